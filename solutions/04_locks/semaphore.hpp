// Lesson 04, locks: make Semaphore and BoundedSemaphore pass the tests in tests/04_locks/semaphore_test.cpp.
// Concept: a counter of permits guarded by a mutex; acquire waits while it is zero, release adds and notifies.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>

#include "errors.hpp"

namespace threadlings::lesson04 {

/// Python's `threading.Semaphore(value)`: a count of permits. acquire() takes one, waiting while there
/// is none; release(n) gives n back and wakes up to n waiters. Any thread may release (there is no owner):
/// a semaphore of one permit is what Python's plain `Lock` really is (std::binary_semaphore in C++).
///
/// ```cpp
/// Semaphore downloads(4);                                          // at most 4 at a time
/// void fetch(Url url) { downloads.acquire(); get(url); downloads.release(); }
/// ```
///
/// A plain Semaphore may be released more often than it was acquired: its count then grows above the
/// initial value. BoundedSemaphore refuses that.
///
/// @threadsafety Every member function may be called from any thread at any time.
class Semaphore {
 public:
  /// Starts with `value` permits. Throws ValueError("semaphore initial value must be >= 0") when negative.
  explicit Semaphore(std::ptrdiff_t value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// Python's `acquire(blocking=True, timeout=None)`: takes one permit and returns true. With `blocking`
  /// false, returns false at once when there is none. Otherwise waits for one, at most `timeout` (nullopt:
  /// no limit; negative: treated as zero), and returns false when the time ran out.
  /// Throws ValueError when `blocking` is false and a timeout is given.
  bool acquire(bool blocking = true, std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

  /// Python's `release(n=1)`: gives back `n` permits and wakes up to `n` waiting threads. Does not block
  /// (beyond a short lock). Throws ValueError("n must be one or more") when `n` < 1, and, for a
  /// BoundedSemaphore, ValueError("Semaphore released too many times") when the count would exceed the
  /// initial value; nothing changes then.
  void release(std::ptrdiff_t n = 1);

 protected:
  /// For BoundedSemaphore: `bound` is the most permits the count may reach (nullopt: no bound).
  Semaphore(std::ptrdiff_t value, std::optional<std::ptrdiff_t> bound);

 private:
  mutable std::mutex mutex_;
  std::condition_variable available_;         // notified when release() adds permits
  std::ptrdiff_t value_;                      // guarded by mutex_; never negative
  const std::optional<std::ptrdiff_t> bound_;  // set once by the constructor
};

/// Python's `threading.BoundedSemaphore(value)`: a Semaphore whose count may never exceed `value`. A
/// release() without a matching acquire() is a bug, and it is reported instead of silently adding a permit.
///
/// @threadsafety As Semaphore.
class BoundedSemaphore : public Semaphore {
 public:
  /// Starts with `value` permits, which is also the bound. Throws ValueError when negative.
  explicit BoundedSemaphore(std::ptrdiff_t value = 1);
};

}  // namespace threadlings::lesson04
