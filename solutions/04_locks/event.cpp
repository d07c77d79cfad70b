// Lesson 04, locks: make Event pass the tests in tests/04_locks/event_test.cpp.
// Concept: a flag guarded by a mutex plus a condition variable; wait with a predicate, notify every waiter.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "event.hpp"

#include <algorithm>

namespace threadlings::lesson04 {

void Event::set() {
  {
    const std::scoped_lock lock(mutex_);
    if (flag_) return;  // already set: nobody is waiting
    flag_ = true;
    ++sets_;  // lets a waiter tell "set while I waited" from "set now", should clear() follow quickly
  }
  changed_.notify_all();  // every waiter, not one: an Event releases all of them (notify after unlocking)
}

void Event::clear() {
  const std::scoped_lock lock(mutex_);
  flag_ = false;  // no notify: nobody waits for the flag to go down
}

bool Event::is_set() const {
  const std::scoped_lock lock(mutex_);
  return flag_;
}

void Event::wait() {
  std::unique_lock lock(mutex_);
  const auto seen = sets_;
  // A predicate, never a bare wait(): it returns at once when already set, and survives spurious wake-ups.
  changed_.wait(lock, [&] { return flag_ || sets_ != seen; });
}

bool Event::wait(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto seen = sets_;
  // wait_for with a predicate returns the predicate's value: false only when the time ran out.
  return changed_.wait_for(lock, std::max(timeout, std::chrono::nanoseconds::zero()),
                           [&] { return flag_ || sets_ != seen; });
}

}  // namespace threadlings::lesson04
