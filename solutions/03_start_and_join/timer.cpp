// Lesson 03, starting and joining: make Timer pass the tests in tests/03_start_and_join/timer_test.cpp.
// Concept: threading.Timer(interval, function) and cancel(): a thread that waits, woken at once by cancel.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "timer.hpp"

#include <utility>

namespace threadlings::lesson03 {

// A Timer is a Thread, as in Python (class Timer(Thread)): join, is_alive and the excepthook come with it.
Timer::Timer(std::chrono::nanoseconds interval, Function function, std::string name)
    : interval_(interval), function_(std::move(function)), thread_([this] { wait_then_fire(); }, std::move(name)) {}

Timer::~Timer() {
  // Cancel first, so the member Thread's destructor joins a thread that is ending, not one waiting an hour.
  cancel();
}

void Timer::start() { thread_.start(); }

void Timer::cancel() {
  {
    const std::scoped_lock lock(mutex_);
    cancelled_ = true;  // the flag, not only the notify: a cancel before the wait begins is not lost
  }
  cancelled_cv_.notify_all();  // wakes the waiting thread now, instead of at the end of the interval
}

void Timer::wait_then_fire() {
  {
    std::unique_lock lock(mutex_);
    // The predicate makes spurious wake-ups harmless; wait_for returns its value: true means cancelled.
    if (cancelled_cv_.wait_for(lock, interval_, [this] { return cancelled_; })) return;
  }
  // Called without the lock: a cancel() meanwhile must not wait for the function to finish.
  if (function_) function_();
}

void Timer::join() { thread_.join(); }

bool Timer::join(std::chrono::nanoseconds timeout) { return thread_.join(timeout); }

bool Timer::is_alive() const { return thread_.is_alive(); }

}  // namespace threadlings::lesson03
