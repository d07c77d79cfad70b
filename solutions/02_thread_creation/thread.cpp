// Lesson 02, thread creation: make Thread and start_new_thread pass the tests in tests/02_thread_creation/.
// Concept: threading.Thread(target, args), start() once, run() overrides, _thread.start_new_thread.
// Check: ./threadlings check 02    (or ctest --preset student -L lesson02)
#include "thread.hpp"

#include <atomic>
#include <latch>

#include <unistd.h>

namespace threadlings::lesson02 {
namespace {

// Python numbers default names from one process-wide counter; threads may be created concurrently,
// so the counter is atomic.
std::string next_default_name() {
  static std::atomic<unsigned> counter{0};
  return "Thread-" + std::to_string(counter.fetch_add(1) + 1);
}

}  // namespace

Thread::Thread() : name_(next_default_name()) {}

Thread::Thread(Target target, StoredTarget) : target_(std::move(target)), name_(next_default_name()) {}

Thread::~Thread() {
  if (!thread_.joinable()) return;
  // A daemon keeps running on its own, like Python's; anything else is joined (RAII, never terminate()).
  if (daemon_) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void Thread::start() {
  // Checked first, so that a second start() changes nothing before it throws.
  if (started_) throw ThreadError("threads can only be started once (" + name_ + ")");
  // Set before the thread exists: run() may call join() on itself, which reads started_.
  started_ = true;
  // The new thread publishes its ids, then counts the latch down; start() returns only after that,
  // which is what makes ident_ and native_id_ safe to read afterwards (the latch orders the threads).
  std::latch running(1);
  try {
    // The target moves into the new thread (Python, too, drops it once run): a daemon whose Thread
    // object is destroyed keeps running on what it owns. Without a target, run() is the code.
    thread_ = std::thread([this, &running, target = std::move(target_)] {
      ident_ = std::this_thread::get_id();
      native_id_ = ::gettid();
      running.count_down();  // `running` lives on start()'s stack: not touched after this
      if (target) {
        target();  // touches nothing of *this: safe even after a daemon's Thread is destroyed
      } else {
        run();
      }
    });
  } catch (...) {
    started_ = false;  // no thread could be made (EAGAIN): nothing happened, start() may be retried
    throw;
  }
  running.wait();
}

void Thread::join() {
  if (!started_) throw ThreadError("cannot join thread before it is started (" + name_ + ")");
  if (ident_ == std::this_thread::get_id()) throw ThreadError("cannot join current thread (" + name_ + ")");
  if (thread_.joinable()) thread_.join();  // joining twice is allowed in Python: the second returns at once
}

void Thread::run() {
  if (target_) target_();
}

const std::string& Thread::name() const noexcept { return name_; }

void Thread::set_name(std::string name) { name_ = std::move(name); }

bool Thread::daemon() const noexcept { return daemon_; }

void Thread::set_daemon(bool daemon) {
  if (started_) throw ThreadError("cannot set daemon status of active thread (" + name_ + ")");
  daemon_ = daemon;
}

std::optional<std::thread::id> Thread::ident() const noexcept { return ident_; }

std::optional<pid_t> Thread::native_id() const noexcept { return native_id_; }

std::thread::id start_new_thread_detached(std::function<void()> function) {
  std::thread thread(std::move(function));
  const std::thread::id id = thread.get_id();
  thread.detach();  // _thread has no join: whoever needs to wait must arrange it
  return id;
}

}  // namespace threadlings::lesson02
