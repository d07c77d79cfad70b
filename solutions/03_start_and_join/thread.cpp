// Lesson 03, starting and joining: make Thread and the excepthook pass the tests in tests/03_start_and_join/.
// Concept: join(), join(timeout), is_alive(), exceptions in threads reported by an excepthook, RAII join.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "thread.hpp"

#include <algorithm>
#include <iostream>
#include <utility>

namespace threadlings::lesson03 {
namespace {

// One hook for the whole process, as in Python; a function-local static avoids initialization-order
// trouble, and the mutex makes replacing it safe while other threads report exceptions.
std::mutex hook_mutex;
ExceptHook& installed_hook() {
  static ExceptHook hook = &default_excepthook;
  return hook;
}

}  // namespace

void default_excepthook(const ExceptHookArgs& args) {
  // Rethrowing is the only way to look inside an exception_ptr; catch what we can name.
  std::string what = "unknown exception";
  try {
    if (args.exception) std::rethrow_exception(args.exception);
    what = "no exception";
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
  }
  // One << of one string: lines from threads that fail together do not interleave mid-line.
  std::cerr << ("Exception in thread " + args.thread_name + ": " + what + "\n") << std::flush;
}

ExceptHook set_excepthook(ExceptHook hook) {
  // Checked before anything changes: an empty hook would make the next failing thread terminate.
  if (!hook) throw std::invalid_argument("set_excepthook: the hook is empty (install default_excepthook to restore it)");
  const std::scoped_lock lock(hook_mutex);
  return std::exchange(installed_hook(), std::move(hook));
}

void excepthook(const ExceptHookArgs& args) {
  ExceptHook hook;
  {
    // A copy, called after unlocking: the hook may be slow, or may call set_excepthook() itself.
    const std::scoped_lock lock(hook_mutex);
    hook = installed_hook();
  }
  hook(args);
}

Thread::Thread(Target target, std::string name) : target_(std::move(target)), name_(std::move(name)) {}

Thread::~Thread() {
  // RAII (CP.25): a joinable std::thread destroyed as it is would call std::terminate.
  if (thread_.joinable()) thread_.join();
}

void Thread::start() {
  const std::scoped_lock lock(mutex_);
  if (started_) throw ThreadError("threads can only be started once (" + name_ + ")");
  // The lock is held while the thread is made: if its target calls join() on this Thread, that call
  // waits here until ident_ is set, so the self-join check sees the right id.
  thread_ = std::thread([this] { bootstrap(); });
  ident_ = thread_.get_id();
  started_ = true;  // only once the thread exists: if std::thread threw, start() may be retried
}

void Thread::bootstrap() {
  try {
    if (target_) target_();
  } catch (...) {
    // Python's behaviour, not std::thread's: report and end this thread only, never std::terminate.
    excepthook({std::current_exception(), name_, std::this_thread::get_id()});
  }
  {
    const std::scoped_lock lock(mutex_);
    finished_ = true;  // written under the lock: a joiner can not miss the notify below
  }
  finished_cv_.notify_all();  // every joiner wakes, timed or not
}

void Thread::check_can_join() const {
  if (!started_) throw ThreadError("cannot join thread before it is started (" + name_ + ")");
  if (ident_ == std::this_thread::get_id()) throw ThreadError("cannot join current thread (" + name_ + ")");
}

void Thread::join() {
  std::unique_lock lock(mutex_);
  check_can_join();
  finished_cv_.wait(lock, [this] { return finished_; });
  // finished_ is the thread's last act under the lock, so this real join returns at once and frees the
  // thread; the first joiner does it, the others find it no longer joinable.
  if (thread_.joinable()) thread_.join();
}

bool Thread::join(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  check_can_join();
  // std::thread has no timed join: wait on the condition the thread signals as its last act instead.
  // A negative timeout means "do not wait", as in Python.
  if (!finished_cv_.wait_for(lock, std::max(timeout, std::chrono::nanoseconds::zero()), [this] { return finished_; })) {
    return false;
  }
  if (thread_.joinable()) thread_.join();
  return true;
}

bool Thread::is_alive() const {
  // Alive means started and not finished: Python's answer, both before start() and after the end.
  const std::scoped_lock lock(mutex_);
  return started_ && !finished_;
}

const std::string& Thread::name() const noexcept { return name_; }

std::optional<std::thread::id> Thread::ident() const {
  const std::scoped_lock lock(mutex_);
  return ident_;
}

}  // namespace threadlings::lesson03
