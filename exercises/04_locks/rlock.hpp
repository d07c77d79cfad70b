// Lesson 04, locks: make RLock pass the tests in tests/04_locks/rlock_test.cpp.
// Concept: a re-entrant lock is an owner and a count, guarded by a mutex; waiters sleep on a condition variable.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <thread>

#include "errors.hpp"

namespace threadlings::lesson04 {

/// Python's `threading.RLock`: a lock that the thread holding it may acquire again. Each acquire() by
/// the owner adds one to a count; each release() takes one off; the lock is free again, and one waiting
/// thread gets it, only when the count is back to zero.
///
/// ```cpp
/// RLock lock;
/// void log_and_save() { const std::scoped_lock hold(lock); log(); save(); }
/// void save()         { const std::scoped_lock hold(lock); ... }   // same thread: no deadlock
/// ```
///
/// Unlike std::recursive_mutex, a release() by a thread that does not hold the lock is reported
/// (ThreadError, as Python's RuntimeError) instead of being undefined behaviour.
/// It meets the C++ *Lockable* requirements (lock/unlock/try_lock), so std::scoped_lock,
/// std::unique_lock and std::condition_variable_any work with it.
///
/// @threadsafety Every member function may be called from any thread at any time. release() and
/// unlock() must be called by the owner (they throw otherwise, and change nothing).
class RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  /// Python's `acquire(blocking=True, timeout=-1)`. The owner gets it again at once (count + 1).
  /// Another thread: with `blocking` false, returns false at once unless the lock is free; otherwise
  /// blocks until the lock is free, or until `timeout` has passed (nullopt: no limit; negative: treated
  /// as zero) and then returns false. Returns true when the caller now holds the lock.
  /// Throws ValueError when `blocking` is false and a timeout is given (Python does the same).
  bool acquire(bool blocking = true, std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

  /// Takes one off the count; at zero the lock is free and one waiting thread gets it.
  /// Throws ThreadError("cannot release un-acquired lock") when the caller is not the owner (also when
  /// nobody holds it), and changes nothing then.
  void release();

  /// Lockable: acquire() with no limit.
  void lock();
  /// Lockable: release().
  void unlock();
  /// Lockable: acquire(false).
  [[nodiscard]] bool try_lock();

  /// True when the calling thread holds the lock (Python's private `_is_owned()`).
  [[nodiscard]] bool is_owned() const;

 private:
  // TODO: these members are enough (an owner and a count, both guarded by mutex_); add more only if your
  // design needs them (a header edit rebuilds the tests, an edit of rlock.cpp only relinks them).
  mutable std::mutex mutex_;
  std::condition_variable released_;  // notified when count_ drops to zero
  std::thread::id owner_;             // guarded by mutex_; std::thread::id{} (no thread) when free
  std::size_t count_ = 0;             // guarded by mutex_; 0 exactly when free
};

}  // namespace threadlings::lesson04
