// Lesson 09, shared memory: make RobustMutex and SharedLockGuard pass the tests in tests/09_shared_memory/.
// Concept: a lock that lives in shared memory, and what happens when a process dies holding it.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>

#include <pthread.h>

namespace threadlings::lesson09 {

/// How lock() or try_lock() got the lock.
enum class LockResult {
  /// The usual case: the lock was free, or its owner unlocked it.
  kAcquired,
  /// The previous owner died holding the lock (a killed process, or a thread that ended holding it).
  /// The caller now holds the lock, but what it protects may be half-updated. The caller must repair
  /// that state and call RobustMutex::mark_consistent() before unlock(). Unlocking without
  /// mark_consistent() makes the lock unusable for good (LockNotRecoverableError).
  kOwnerDied,
};

/// The lock can never be taken again: an owner died holding it, and whoever got it next unlocked it
/// without calling mark_consistent() (ENOTRECOVERABLE). The shared state it protected is lost; the only
/// way on is a new lock (and new shared state) made by the program.
class LockNotRecoverableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A mutex that several processes can share, and that survives the death of its owner. Python's
/// multiprocessing locks are also shared between processes, but none survives its owner: a process
/// that dies holding one leaves every other process waiting for ever.
///
/// A POSIX mutex initialised with three attributes:
/// - PTHREAD_PROCESS_SHARED: it may be used by any process that maps the memory it lives in. Place it
///   in a MAP_SHARED mapping (SharedValue, SharedArray and SharedMemory do); a copy in private memory
///   (a forked child's copy of a global) is another mutex.
/// - PTHREAD_MUTEX_ROBUST: when the owner dies, the next locker is told (kOwnerDied) instead of waiting
///   for ever.
/// - PTHREAD_MUTEX_ERRORCHECK: locking it twice from one thread, or unlocking it without holding it, is
///   reported (std::logic_error) instead of deadlocking or corrupting it. It is not recursive.
///
/// ```cpp
/// if (mutex.lock() == LockResult::kOwnerDied) {
///   repair_the_shared_state();          // we hold the lock; the dead owner may have left a mess
///   mutex.mark_consistent();
/// }
/// update_the_shared_state();
/// mutex.unlock();
/// ```
/// Prefer SharedLockGuard, which does exactly this and unlocks on every path.
///
/// Neither copyable nor movable: other processes find it at its address.
///
/// @threadsafety lock(), try_lock(), unlock() and mark_consistent() may be called from any thread of
/// any process that maps the mutex. unlock() and mark_consistent() require the caller to hold it. The
/// constructor and destructor must not overlap any other call (the object that places the mutex in
/// shared memory constructs it before sharing it, and destroys it once nobody uses it).
class RobustMutex {
 public:
  /// Initialises an unlocked, process-shared, robust, error-checking mutex.
  /// Throws std::system_error when the system refuses (for example without robust-mutex support).
  RobustMutex();
  /// Destroys the mutex. Requires: no thread of any process holds it or waits for it.
  ~RobustMutex();
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;

  /// Takes the lock, waiting while another thread (of any process) holds it.
  /// Blocks: yes, until the lock is free or its owner dies.
  /// Returns kAcquired, or kOwnerDied when the previous owner died holding it (see LockResult: repair,
  /// then mark_consistent()).
  /// Throws LockNotRecoverableError when a dead owner's lock was unlocked without mark_consistent();
  /// std::logic_error when the calling thread already holds it (the lock is not recursive).
  [[nodiscard]] LockResult lock();

  /// Takes the lock if it is free, without waiting. Returns std::nullopt when another thread or process
  /// holds it; otherwise as lock(). Throws as lock().
  [[nodiscard]] std::optional<LockResult> try_lock();

  /// Releases the lock. If it was acquired with kOwnerDied and mark_consistent() was not called, the
  /// lock becomes not recoverable: every later lock() throws LockNotRecoverableError.
  /// Throws std::logic_error when the calling thread does not hold the lock.
  void unlock();

  /// Declares the protected state repaired after kOwnerDied, so that the lock works normally again.
  /// Requires: the caller holds the lock and got it with kOwnerDied. Throws std::logic_error otherwise.
  void mark_consistent();

 private:
  pthread_mutex_t mutex_{};
};

/// RAII for a RobustMutex, like std::lock_guard, that deals with a dead previous owner.
///
/// The constructor locks. If the previous owner died holding the lock, it calls `repair()` (with the
/// lock held), then mark_consistent(). If `repair` throws, the lock is released without being marked
/// consistent, so it becomes not recoverable (nobody could repair the state), and the exception
/// propagates. The destructor unlocks.
///
/// ```cpp
/// SharedLockGuard guard(counter.get_lock(), [&] { counter.get_obj() = recount(); });
/// counter.get_obj() += 1;
/// ```
/// Pass a repair function that does nothing when there is nothing to repair (a lone counter that each
/// owner changes with a single store). previous_owner_died() tells whether repair ran.
///
/// @threadsafety A guard belongs to the thread that made it (the lock is released by its owner).
class SharedLockGuard {
 public:
  /// Locks `mutex`; calls `repair` and marks the mutex consistent when its previous owner died.
  /// Blocks as RobustMutex::lock(). Throws what lock() throws, and what `repair` throws.
  SharedLockGuard(RobustMutex& mutex, const std::function<void()>& repair);
  /// Unlocks.
  ~SharedLockGuard();
  SharedLockGuard(const SharedLockGuard&) = delete;
  SharedLockGuard& operator=(const SharedLockGuard&) = delete;

  /// Whether the previous owner had died holding the lock (and `repair` ran).
  [[nodiscard]] bool previous_owner_died() const noexcept { return previous_owner_died_; }

 private:
  RobustMutex& mutex_;
  bool previous_owner_died_ = false;
};

}  // namespace threadlings::lesson09
