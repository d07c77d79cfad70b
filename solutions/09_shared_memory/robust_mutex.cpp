// Lesson 09, shared memory: make RobustMutex and SharedLockGuard pass the tests in tests/09_shared_memory/.
// Concept: a lock that lives in shared memory, and what happens when a process dies holding it.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#include "robust_mutex.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace threadlings::lesson09 {

namespace {

// The attribute object is only a recipe for pthread_mutex_init(); this destroys it on every path.
class MutexAttributes {
 public:
  MutexAttributes() {
    if (const int error = pthread_mutexattr_init(&attributes_); error != 0) {
      throw std::system_error(error, std::generic_category(), "pthread_mutexattr_init");
    }
  }
  ~MutexAttributes() { pthread_mutexattr_destroy(&attributes_); }
  MutexAttributes(const MutexAttributes&) = delete;
  MutexAttributes& operator=(const MutexAttributes&) = delete;

  pthread_mutexattr_t* get() noexcept { return &attributes_; }

 private:
  pthread_mutexattr_t attributes_{};
};

void check(int error, const char* call) {
  if (error != 0) throw std::system_error(error, std::generic_category(), call);
}

// What lock() and try_lock() share: the meaning of pthread_mutex_lock's and _trylock's results.
LockResult interpret(int error, const char* call) {
  switch (error) {
    case 0:
      return LockResult::kAcquired;
    case EOWNERDEAD:  // we hold it now; the dead owner's state waits for repair
      return LockResult::kOwnerDied;
    case ENOTRECOVERABLE:
      throw LockNotRecoverableError(std::string(call) +
                                    ": the lock is not recoverable: its owner died and the next owner "
                                    "unlocked it without mark_consistent()");
    case EDEADLK:
      throw std::logic_error(std::string(call) +
                             ": the calling thread already holds this lock (it is not recursive)");
    default:
      throw std::system_error(error, std::generic_category(), call);
  }
}

}  // namespace

RobustMutex::RobustMutex() {
  MutexAttributes attributes;
  // Shared: the futex is keyed by the physical page, so a waiter in another process can be woken.
  check(pthread_mutexattr_setpshared(attributes.get(), PTHREAD_PROCESS_SHARED), "pthread_mutexattr_setpshared");
  // Robust: the kernel walks a dying thread's list of held robust mutexes and marks each owner-dead.
  check(pthread_mutexattr_setrobust(attributes.get(), PTHREAD_MUTEX_ROBUST), "pthread_mutexattr_setrobust");
  // Error-checking: a second lock by the owner is EDEADLK, an unlock by a non-owner EPERM.
  check(pthread_mutexattr_settype(attributes.get(), PTHREAD_MUTEX_ERRORCHECK), "pthread_mutexattr_settype");
  check(pthread_mutex_init(&mutex_, attributes.get()), "pthread_mutex_init");
}

RobustMutex::~RobustMutex() { pthread_mutex_destroy(&mutex_); }

LockResult RobustMutex::lock() { return interpret(pthread_mutex_lock(&mutex_), "RobustMutex::lock"); }

std::optional<LockResult> RobustMutex::try_lock() {
  const int error = pthread_mutex_trylock(&mutex_);
  if (error == EBUSY) return std::nullopt;
  return interpret(error, "RobustMutex::try_lock");
}

void RobustMutex::unlock() {
  const int error = pthread_mutex_unlock(&mutex_);
  if (error == EPERM) {
    throw std::logic_error("RobustMutex::unlock: the calling thread does not hold this lock");
  }
  check(error, "RobustMutex::unlock");
}

void RobustMutex::mark_consistent() {
  const int error = pthread_mutex_consistent(&mutex_);
  if (error == EINVAL) {
    throw std::logic_error(
        "RobustMutex::mark_consistent: the lock is not waiting for repair (it was not acquired with "
        "kOwnerDied, or was marked consistent already)");
  }
  check(error, "RobustMutex::mark_consistent");
}

SharedLockGuard::SharedLockGuard(RobustMutex& mutex, const std::function<void()>& repair) : mutex_(mutex) {
  if (mutex_.lock() == LockResult::kAcquired) return;
  previous_owner_died_ = true;
  try {
    if (repair) repair();
  } catch (...) {
    mutex_.unlock();  // not consistent: nobody can trust the state now, and the next locker is told
    throw;
  }
  mutex_.mark_consistent();  // without it, our unlock would make the lock unusable for good
}

SharedLockGuard::~SharedLockGuard() { mutex_.unlock(); }

}  // namespace threadlings::lesson09
