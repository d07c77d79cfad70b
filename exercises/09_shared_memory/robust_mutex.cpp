// Lesson 09, shared memory: make RobustMutex and SharedLockGuard pass the tests in tests/09_shared_memory/.
// Concept: a lock that lives in shared memory, and what happens when a process dies holding it.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#include "robust_mutex.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson09 {

// TODO: make a pthread_mutexattr_t (pthread_mutexattr_init, and destroy it on every path),
// set it PTHREAD_PROCESS_SHARED (pthread_mutexattr_setpshared), PTHREAD_MUTEX_ROBUST
// (pthread_mutexattr_setrobust) and PTHREAD_MUTEX_ERRORCHECK (pthread_mutexattr_settype), then
// pthread_mutex_init(&mutex_, &attributes). These calls return an error number (they do not set
// errno): throw std::system_error(error, std::generic_category(), "...") when one is not 0.
RobustMutex::RobustMutex() { throw NotImplemented("RobustMutex::RobustMutex — see lesson 09"); }

// TODO: pthread_mutex_destroy(&mutex_).
RobustMutex::~RobustMutex() = default;

// TODO: pthread_mutex_lock(&mutex_) returns 0 (kAcquired), EOWNERDEAD (kOwnerDied: you hold
// it now), ENOTRECOVERABLE (throw LockNotRecoverableError, with "not recoverable" in the message),
// EDEADLK (this thread holds it already: std::logic_error), or another error (std::system_error).
LockResult RobustMutex::lock() { throw NotImplemented("RobustMutex::lock — see lesson 09"); }

// TODO: as lock(), with pthread_mutex_trylock; EBUSY means std::nullopt.
std::optional<LockResult> RobustMutex::try_lock() { throw NotImplemented("RobustMutex::try_lock — see lesson 09"); }

// TODO: pthread_mutex_unlock(&mutex_); EPERM (not the owner) is a std::logic_error.
void RobustMutex::unlock() { throw NotImplemented("RobustMutex::unlock — see lesson 09"); }

// TODO: pthread_mutex_consistent(&mutex_); EINVAL (not waiting for repair) is a std::logic_error.
void RobustMutex::mark_consistent() { throw NotImplemented("RobustMutex::mark_consistent — see lesson 09"); }

// TODO: lock; when the previous owner died, set previous_owner_died_, call repair (if it is
// not empty) and then mark_consistent(). If repair throws, unlock WITHOUT mark_consistent() and rethrow.
SharedLockGuard::SharedLockGuard(RobustMutex& mutex, const std::function<void()>& repair) : mutex_(mutex) {
  throw NotImplemented("SharedLockGuard::SharedLockGuard — see lesson 09");
}

// TODO: unlock.
SharedLockGuard::~SharedLockGuard() = default;

}  // namespace threadlings::lesson09
