// Lesson 03, starting and joining: make Thread and the excepthook pass the tests in tests/03_start_and_join/.
// Concept: join(), join(timeout), is_alive(), exceptions in threads reported by an excepthook, RAII join.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "thread.hpp"

#include <algorithm>
#include <iostream>
#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson03 {

// TODO: keep one process-wide hook here, initially &default_excepthook, and a mutex guarding it
// (threads may report exceptions while another thread installs a new hook).

// TODO: write "Exception in thread NAME: WHAT\n" to std::cerr. WHAT is what() of a std::exception,
// "unknown exception" for anything else (rethrow the exception_ptr inside a try to find out which).
void default_excepthook(const ExceptHookArgs& args) { throw NotImplemented("default_excepthook — see lesson 03"); }

// TODO: reject an empty hook (std::invalid_argument); install `hook`; return the one it replaces.
ExceptHook set_excepthook(ExceptHook hook) { throw NotImplemented("set_excepthook — see lesson 03"); }

// TODO: call the installed hook with `args`, without holding the lock while it runs.
void excepthook(const ExceptHookArgs& args) { throw NotImplemented("excepthook — see lesson 03"); }

// Done in lesson 02: the target and the name are stored; nothing runs yet.
Thread::Thread(Target target, std::string name) : target_(std::move(target)), name_(std::move(name)) {}

// TODO: a started thread that nobody joined must be joined here (a joinable std::thread destroyed as
// it is calls std::terminate).
Thread::~Thread() = default;

// TODO: lesson 02's start(): throw ThreadError("threads can only be started once") on a second call,
// then run bootstrap() on a new std::thread and remember its id in ident_. Hold mutex_ while you do.
void Thread::start() { throw NotImplemented("Thread::start — see lesson 03 (lesson 02's start, running bootstrap())"); }

// TODO: run the target (if any). An exception escaping it goes to excepthook() with this thread's
// name and id, instead of ending the program. Then mark the thread finished and wake every joiner.
void Thread::bootstrap() { throw NotImplemented("Thread::bootstrap — see lesson 03"); }

// TODO: throw ThreadError if the thread was never started, or if the caller is the thread itself.
void Thread::check_can_join() const { throw NotImplemented("Thread::check_can_join — see lesson 03"); }

// TODO: wait until the thread has finished (no polling, no sleeping), then join the std::thread.
void Thread::join() { throw NotImplemented("Thread::join — see lesson 03"); }

// TODO: as join(), but give up after `timeout` (negative: do not wait) and return whether it finished.
bool Thread::join(std::chrono::nanoseconds timeout) { throw NotImplemented("Thread::join(timeout) — see lesson 03"); }

// TODO: started and not yet finished.
bool Thread::is_alive() const { throw NotImplemented("Thread::is_alive — see lesson 03"); }

const std::string& Thread::name() const noexcept { return name_; }

std::optional<std::thread::id> Thread::ident() const {
  const std::scoped_lock lock(mutex_);
  return ident_;
}

}  // namespace threadlings::lesson03
