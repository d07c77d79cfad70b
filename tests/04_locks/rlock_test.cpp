// Tests of lesson 04's RLock: re-entrancy, the count, ownership, waiting for a full release, Lockable.
#include "rlock.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/start_gate.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::testing::ReleaseOnExit;
using threadlings::lesson04::RLock;
using threadlings::lesson04::ThreadError;
using threadlings::lesson04::ValueError;
using threadlings::testing::Signal;

// The answer another thread gets from acquire(false), releasing again if it got the lock. An exception
// there is rethrown here, on the test's thread.
bool other_thread_can_acquire(RLock& lock) {
  bool got = false;
  std::exception_ptr error;
  std::thread([&] {
    try {
      got = lock.acquire(false);
      if (got) lock.release();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
  return got;
}

// The owner acquires again at once, even without blocking: that is what re-entrant means.
TEST(RLock, OwnerAcquiresAgainWithoutBlocking) {
  RLock lock;
  ASSERT_TRUE(lock.acquire());
  EXPECT_TRUE(lock.acquire(false)) << "the thread holding an RLock must get it again";
  lock.release();
  lock.release();
}

// Acquired twice, released once: the lock is still held, and another thread can not take it.
TEST(RLock, StaysHeldUntilReleasedAsOftenAsAcquired) {
  RLock lock;
  ASSERT_TRUE(lock.acquire());
  ASSERT_TRUE(lock.acquire());
  lock.release();
  EXPECT_FALSE(other_thread_can_acquire(lock)) << "one release of two acquires freed the lock";
  EXPECT_TRUE(lock.is_owned());
  lock.release();
  EXPECT_TRUE(other_thread_can_acquire(lock)) << "the count is back to zero: the lock must be free";
}

// A thread blocked in acquire() gets the lock once the owner has released it as often as it acquired it.
TEST(RLock, WaiterGetsTheLockOnceTheOwnerReleasesFully) {
  RLock lock;
  ASSERT_TRUE(lock.acquire());
  ASSERT_TRUE(lock.acquire());
  bool got = false;
  ObservedThread waiter([&] {
    got = lock.acquire();
    lock.release();
  });
  EXPECT_TRUE(waiter.blocked());
  lock.release();
  lock.release();  // the waiter wakes now (a lock that never wakes it is reported by the watchdog)
  waiter.join();
  EXPECT_TRUE(got);
}

// Another thread's release() is refused with ThreadError, and the owner still holds the lock.
TEST(RLock, ReleaseByAnotherThreadThrows) {
  RLock lock;
  ASSERT_TRUE(lock.acquire());
  bool threw = false;
  std::thread([&] {
    try {
      lock.release();
    } catch (const ThreadError&) {
      threw = true;
    }
  }).join();
  EXPECT_TRUE(threw) << "only the owner may release an RLock (Python: RuntimeError)";
  EXPECT_TRUE(lock.is_owned());
  lock.release();
}

// Releasing a lock nobody holds throws ThreadError with Python's message.
TEST(RLock, ReleaseOfAFreeLockThrows) {
  RLock lock;
  try {
    lock.release();
    FAIL() << "release() of a free RLock did not throw";
  } catch (const ThreadError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot release un-acquired lock"), std::string::npos) << error.what();
  }
}

// While another thread holds the lock, acquire(false) fails at once and acquire(true, timeout) gives up.
TEST(RLock, AcquireGivesUpWhileAnotherThreadHoldsIt) {
  RLock lock;
  Signal held, release;
  std::jthread holder([&] {
    try {
      lock.acquire();
    } catch (...) {  // an unfinished acquire(): the calls below fail the test
      held.notify();
      return;
    }
    held.notify();
    release.wait();
    lock.release();
  });
  const ReleaseOnExit release_on_exit(release);  // even when a call below throws
  held.wait();
  const bool without_blocking = lock.acquire(false);
  const bool with_timeout = lock.acquire(true, 1ms);
  const bool with_negative_timeout = lock.acquire(true, -1s);
  release.notify();
  holder.join();
  EXPECT_FALSE(without_blocking);
  EXPECT_FALSE(with_timeout);
  EXPECT_FALSE(with_negative_timeout);
}

// A timeout on a non-blocking acquire makes no sense: ValueError, as in Python.
TEST(RLock, TimeoutWithoutBlockingIsAValueError) {
  RLock lock;
  EXPECT_THROW(lock.acquire(false, 1s), ValueError);
  EXPECT_TRUE(other_thread_can_acquire(lock)) << "the refused call must not have taken the lock";
}

// std::scoped_lock and std::unique_lock work with an RLock, nested on one thread.
TEST(RLock, WorksWithScopedLockAndUniqueLock) {
  RLock lock;
  {
    const std::scoped_lock outer(lock);
    std::unique_lock inner(lock, std::try_to_lock);
    EXPECT_TRUE(inner.owns_lock());
    EXPECT_TRUE(lock.is_owned());
  }
  EXPECT_FALSE(lock.is_owned());
  EXPECT_TRUE(other_thread_can_acquire(lock));
}

// is_owned() is true for the holder only.
TEST(RLock, IsOwnedOnlyByTheHolder) {
  RLock lock;
  EXPECT_FALSE(lock.is_owned());
  ASSERT_TRUE(lock.acquire());
  bool owned_elsewhere = true;
  std::thread([&] { owned_elsewhere = lock.is_owned(); }).join();
  EXPECT_TRUE(lock.is_owned());
  EXPECT_FALSE(owned_elsewhere);
  lock.release();
}

}  // namespace
