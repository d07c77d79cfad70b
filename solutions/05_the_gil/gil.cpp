// Lesson 05, the GIL: make Gil pass the tests in tests/05_the_gil/gil_test.cpp.
// Concept: CPython's switch interval, drop request and forced switching (lessons/05_the_gil/README.md).
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#include "gil.hpp"

namespace threadlings::lesson05 {

namespace {

SystemIntervalWaiter& system_waiter() {
  static SystemIntervalWaiter waiter;  // stateless: one for every Gil
  return waiter;
}

}  // namespace

bool SystemIntervalWaiter::wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                std::chrono::nanoseconds interval) {
  // No predicate: take() re-checks the GIL's state itself after every wait, timed out or not.
  return cv.wait_for(lock, interval) == std::cv_status::timeout;
}

Gil::Gil() : Gil(system_waiter()) {}

Gil::Gil(IntervalWaiter& waiter) : waiter_(&waiter) {}

void Gil::take() {
  const auto me = std::this_thread::get_id();
  std::unique_lock lock(mutex_);
  // Checked before waiting: a thread waiting for itself would wait forever.
  if (locked_ && last_holder_ == me) throw GilError("Gil::take: this thread already holds the GIL");
  // A loop, not an if: a wait can end by a timeout or for no reason while the GIL is still held.
  while (locked_) {
    const std::uint64_t switches_before = switch_number_;
    const bool timed_out = waiter_->wait(lock, cond_, interval_);
    // Ask only after a whole interval with no hand-off: if the GIL changed hands meanwhile, the new
    // holder has just begun its turn and deserves a full one.
    if (timed_out && locked_ && switch_number_ == switches_before) {
      drop_request_.store(true, std::memory_order_relaxed);
    }
  }
  {
    // switch_mutex_ as well: drop() reads last_holder_ under it to see whether the switch happened.
    const std::scoped_lock switching(switch_mutex_);
    locked_ = true;
    if (last_holder_ != me) {
      last_holder_ = me;
      ++switch_number_;  // a switch is a change of holder, not every take
    }
  }
  switch_cond_.notify_all();  // forced switching: the thread that dropped on request may go on now
  // The request is answered: this thread got its turn. Left set, the next holder would drop at once.
  drop_request_.store(false, std::memory_order_relaxed);
}

void Gil::drop() {
  const auto me = std::this_thread::get_id();
  {
    const std::scoped_lock lock(mutex_);
    // Checked before changing anything, so that a misuse leaves the GIL as it was.
    if (!locked_) throw GilError("Gil::drop: the GIL is not held by any thread");
    if (last_holder_ != me) throw GilError("Gil::drop: the GIL is held by another thread, not the caller");
    locked_ = false;
  }
  cond_.notify_one();  // one waiter is enough: only one thread can take the GIL
  if (drop_request_.load(std::memory_order_relaxed)) {
    // Forced switching: without it, on a multicore machine this thread would usually take the GIL
    // straight back before the woken waiter got to run, and the waiter would starve.
    std::unique_lock switching(switch_mutex_);
    if (last_holder_ == me) {
      drop_request_.store(false, std::memory_order_relaxed);  // answered: do not drop again at once
      switch_cond_.wait(switching, [&] { return last_holder_ != me; });
    }
  }
}

bool Gil::drop_requested() const noexcept { return drop_request_.load(std::memory_order_relaxed); }

void Gil::set_switch_interval(std::chrono::nanoseconds interval) {
  if (interval <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("Gil::set_switch_interval: the switch interval must be positive");
  }
  const std::scoped_lock lock(mutex_);
  interval_ = interval;
}

std::chrono::nanoseconds Gil::switch_interval() const {
  const std::scoped_lock lock(mutex_);
  return interval_;
}

std::uint64_t Gil::switch_number() const {
  const std::scoped_lock lock(mutex_);
  return switch_number_;
}

bool Gil::held_by_current_thread() const {
  const std::scoped_lock lock(mutex_);
  return locked_ && last_holder_ == std::this_thread::get_id();
}

bool Gil::locked() const {
  const std::scoped_lock lock(mutex_);
  return locked_;
}

}  // namespace threadlings::lesson05
