// Lesson 05, the GIL: make Gil pass the tests in tests/05_the_gil/gil_test.cpp.
// Concept: CPython's switch interval, drop request and forced switching (lessons/05_the_gil/README.md).
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#include "gil.hpp"

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson05 {

namespace {

SystemIntervalWaiter& system_waiter() {
  static SystemIntervalWaiter waiter;  // stateless: one for every Gil
  return waiter;
}

}  // namespace

// TODO: wait on `cv` for at most `interval` (condition_variable::wait_for, no predicate) and say
// whether the interval ran out.
bool SystemIntervalWaiter::wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                std::chrono::nanoseconds interval) {
  throw NotImplemented("SystemIntervalWaiter::wait — see lesson 05");
}

Gil::Gil() : Gil(system_waiter()) {}

Gil::Gil(IntervalWaiter& waiter) : waiter_(&waiter) {}

// TODO: CPython's take_gil():
//  1. under mutex_: refuse a second take by the holder (GilError);
//  2. while locked_: remember switch_number_, wait one interval through waiter_; if that wait timed
//     out, the GIL is still locked and switch_number_ has not moved, set drop_request_;
//  3. take it: locked_ = true and, when the holder changes, last_holder_ and ++switch_number_ (under
//     switch_mutex_ too); notify switch_cond_; clear drop_request_.
void Gil::take() { throw NotImplemented("Gil::take — see lesson 05"); }

// TODO: CPython's drop_gil():
//  1. under mutex_: refuse a drop by a thread that does not hold the GIL (GilError); locked_ = false;
//  2. wake one waiting taker (cond_);
//  3. forced switching: if a drop was requested, under switch_mutex_, while last_holder_ is still
//     this thread: clear the request and wait on switch_cond_ until another thread has the GIL.
void Gil::drop() { throw NotImplemented("Gil::drop — see lesson 05"); }

// TODO: the drop request, read without a lock (it is an atomic).
bool Gil::drop_requested() const noexcept { return false; }

// TODO: reject a non-positive interval (std::invalid_argument), then store it under mutex_.
void Gil::set_switch_interval(std::chrono::nanoseconds interval) {
  throw NotImplemented("Gil::set_switch_interval — see lesson 05");
}

// TODO: the four below read state guarded by mutex_.
std::chrono::nanoseconds Gil::switch_interval() const { throw NotImplemented("Gil::switch_interval — see lesson 05"); }

std::uint64_t Gil::switch_number() const { throw NotImplemented("Gil::switch_number — see lesson 05"); }

bool Gil::held_by_current_thread() const { throw NotImplemented("Gil::held_by_current_thread — see lesson 05"); }

bool Gil::locked() const { throw NotImplemented("Gil::locked — see lesson 05"); }

}  // namespace threadlings::lesson05
