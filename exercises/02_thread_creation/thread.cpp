// Lesson 02, thread creation: make Thread and start_new_thread pass the tests in tests/02_thread_creation/.
// Concept: threading.Thread(target, args), start() once, run() overrides, _thread.start_new_thread.
// Check: ./threadlings check 02    (or ctest --preset student -L lesson02)
#include "thread.hpp"

#include <atomic>
#include <latch>

#include <unistd.h>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson02 {

// TODO: give every Thread the name "Thread-N", N counting from 1 across the whole process.
// Threads may be created by several threads at once.
Thread::Thread() { throw NotImplemented("Thread::Thread() — see lesson 02"); }

// TODO: keep the target; name the thread as above. Nothing may run yet.
Thread::Thread(Target target, StoredTarget) { throw NotImplemented("Thread::Thread(target, args...) — see lesson 02"); }

// TODO: a started thread nobody joined must be joined here, unless it is a daemon: then detach it.
// (A destructor must not throw, and a joinable std::thread destroyed as it is calls std::terminate.)
Thread::~Thread() = default;

// TODO: start a new std::thread. Throw ThreadError on a second call. Return only once the new
// thread is running and has recorded its ident and native id (gettid()). The new thread runs the
// target, which it should own (move it in: a daemon may outlive this object), or run() if there is none.
void Thread::start() { throw NotImplemented("Thread::start — see lesson 02"); }

// TODO: wait for the thread. Throw ThreadError if it was never started or if it would join itself.
void Thread::join() { throw NotImplemented("Thread::join — see lesson 02"); }

// TODO: call the target, if there is one.
void Thread::run() { throw NotImplemented("Thread::run — see lesson 02"); }

// TODO: the getters and setters below. set_daemon throws ThreadError once the thread was started.
const std::string& Thread::name() const noexcept { return name_; }

void Thread::set_name(std::string name) { throw NotImplemented("Thread::set_name — see lesson 02"); }

bool Thread::daemon() const noexcept { return daemon_; }

void Thread::set_daemon(bool daemon) { throw NotImplemented("Thread::set_daemon — see lesson 02"); }

std::optional<std::thread::id> Thread::ident() const noexcept { return ident_; }

std::optional<pid_t> Thread::native_id() const noexcept { return native_id_; }

// TODO: start a detached std::thread running `function`; return its id.
std::thread::id start_new_thread_detached(std::function<void()> function) {
  throw NotImplemented("start_new_thread — see lesson 02");
}

}  // namespace threadlings::lesson02
