// Lesson 04, locks: make RLock pass the tests in tests/04_locks/rlock_test.cpp.
// Concept: a re-entrant lock is an owner and a count, guarded by a mutex; waiters sleep on a condition variable.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "rlock.hpp"

#include <algorithm>

namespace threadlings::lesson04 {

bool RLock::acquire(bool blocking, std::optional<std::chrono::nanoseconds> timeout) {
  // Python's rule, checked before anything changes: a non-blocking call has nothing to time out.
  if (!blocking && timeout) throw ValueError("RLock.acquire: can't specify a timeout for a non-blocking call");
  const auto me = std::this_thread::get_id();
  std::unique_lock lock(mutex_);
  if (count_ > 0 && owner_ == me) {
    ++count_;  // re-entry: the owner never waits for itself
    return true;
  }
  const auto is_free = [this] { return count_ == 0; };
  if (!blocking) {
    if (!is_free()) return false;
  } else if (!timeout) {
    released_.wait(lock, is_free);  // the predicate makes spurious wake-ups harmless (CP.42)
  } else if (!released_.wait_for(lock, std::max(*timeout, std::chrono::nanoseconds::zero()), is_free)) {
    return false;  // the time ran out and the lock is still taken
  }
  owner_ = me;
  count_ = 1;
  return true;
}

void RLock::release() {
  {
    const std::scoped_lock lock(mutex_);
    // Only the owner may release: a std::recursive_mutex would make this undefined behaviour.
    if (count_ == 0 || owner_ != std::this_thread::get_id()) {
      throw ThreadError("cannot release un-acquired lock");
    }
    if (--count_ > 0) return;  // still held: one release per acquire
    owner_ = std::thread::id{};
  }
  // Notified after unlocking, so the woken thread does not wake only to block on mutex_ (CP.42's partner).
  // One waiter is enough: only one can take the lock, and the others keep waiting for the next release.
  released_.notify_one();
}

void RLock::lock() { (void)acquire(); }

void RLock::unlock() { release(); }

bool RLock::try_lock() { return acquire(false); }

bool RLock::is_owned() const {
  const std::scoped_lock lock(mutex_);
  return count_ > 0 && owner_ == std::this_thread::get_id();
}

}  // namespace threadlings::lesson04
