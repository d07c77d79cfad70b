// Lesson 04, locks: make RLock pass the tests in tests/04_locks/rlock_test.cpp.
// Concept: a re-entrant lock is an owner and a count, guarded by a mutex; waiters sleep on a condition variable.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "rlock.hpp"

#include <algorithm>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson04 {

// TODO: throw ValueError for a non-blocking call with a timeout. Under mutex_: the owner gets it again at
// once (count_ + 1). Anyone else takes it when count_ == 0: at once, or after waiting on released_ (with
// a predicate; wait_for when there is a timeout, a negative one counting as zero), or returns false.
bool RLock::acquire(bool blocking, std::optional<std::chrono::nanoseconds> timeout) {
  throw NotImplemented("RLock::acquire — see lesson 04");
}

// TODO: throw ThreadError("cannot release un-acquired lock") unless the caller owns the lock. Take one off
// the count; at zero, clear the owner and wake a waiting thread (notify after unlocking).
void RLock::release() { throw NotImplemented("RLock::release — see lesson 04"); }

// Done for you: the Lockable names std::scoped_lock and std::unique_lock call.
void RLock::lock() { (void)acquire(); }

void RLock::unlock() { release(); }

bool RLock::try_lock() { return acquire(false); }

// TODO: true when the calling thread holds the lock (read owner_ and count_ under mutex_).
bool RLock::is_owned() const { throw NotImplemented("RLock::is_owned — see lesson 04"); }

}  // namespace threadlings::lesson04
