// Lesson 04, locks: make Semaphore and BoundedSemaphore pass the tests in tests/04_locks/semaphore_test.cpp.
// Concept: a counter of permits guarded by a mutex; acquire waits while it is zero, release adds and notifies.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "semaphore.hpp"

#include <algorithm>

namespace threadlings::lesson04 {

Semaphore::Semaphore(std::ptrdiff_t value) : Semaphore(value, std::nullopt) {}

Semaphore::Semaphore(std::ptrdiff_t value, std::optional<std::ptrdiff_t> bound) : value_(value), bound_(bound) {
  if (value < 0) throw ValueError("semaphore initial value must be >= 0");
}

bool Semaphore::acquire(bool blocking, std::optional<std::chrono::nanoseconds> timeout) {
  if (!blocking && timeout) throw ValueError("Semaphore.acquire: can't specify a timeout for a non-blocking call");
  std::unique_lock lock(mutex_);
  const auto has_permit = [this] { return value_ > 0; };
  if (!blocking) {
    if (!has_permit()) return false;
  } else if (!timeout) {
    available_.wait(lock, has_permit);  // the predicate: another thread may have taken the permit first
  } else if (!available_.wait_for(lock, std::max(*timeout, std::chrono::nanoseconds::zero()), has_permit)) {
    return false;
  }
  --value_;
  return true;
}

void Semaphore::release(std::ptrdiff_t n) {
  if (n < 1) throw ValueError("Semaphore.release: n must be one or more");
  {
    const std::scoped_lock lock(mutex_);
    // The bound is checked before the count changes: a refused release changes nothing.
    if (bound_ && value_ + n > *bound_) throw ValueError("Semaphore released too many times");
    value_ += n;
  }
  // n permits can satisfy n waiters: wake that many (after unlocking, so they do not block on mutex_).
  for (std::ptrdiff_t i = 0; i < n; ++i) available_.notify_one();
}

BoundedSemaphore::BoundedSemaphore(std::ptrdiff_t value) : Semaphore(value, value) {}

}  // namespace threadlings::lesson04
