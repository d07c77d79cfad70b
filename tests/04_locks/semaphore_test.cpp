// Tests of lesson 04's Semaphore and BoundedSemaphore: permits, blocking, timeouts, the bound.
#include "semaphore.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::lesson04::BoundedSemaphore;
using threadlings::lesson04::Semaphore;
using threadlings::lesson04::ValueError;

// Each acquire takes one permit; with none left, acquire(false) fails at once.
TEST(Semaphore, AcquireTakesOnePermitEach) {
  Semaphore semaphore(2);
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_FALSE(semaphore.acquire(false)) << "two permits, three acquires";
}

// With no permit, acquire(true, timeout) gives up and returns false.
TEST(Semaphore, TimedAcquireReturnsFalseWhenNoPermitComes) {
  Semaphore semaphore(0);
  EXPECT_FALSE(semaphore.acquire(true, 1ms));
  EXPECT_FALSE(semaphore.acquire(true, -1s));
}

// A thread blocked in acquire() wakes up when another thread releases.
TEST(Semaphore, BlockedAcquireWakesOnRelease) {
  Semaphore semaphore(0);
  bool got = false;
  ObservedThread waiter([&] {
    try {
      got = semaphore.acquire();
    } catch (...) {
    }
  });
  EXPECT_TRUE(waiter.blocked());
  semaphore.release();  // a release that never notifies leaves the waiter asleep: the watchdog reports it
  waiter.join();
  EXPECT_TRUE(got);
}

// release(n) wakes n waiting threads.
TEST(Semaphore, ReleaseOfNWakesNWaiters) {
  Semaphore semaphore(0);
  bool first = false;
  bool second = false;
  ObservedThread a([&] {
    try {
      first = semaphore.acquire(true, 1h);
    } catch (...) {
    }
  });
  ObservedThread b([&] {
    try {
      second = semaphore.acquire(true, 1h);
    } catch (...) {
    }
  });
  EXPECT_TRUE(a.blocked());
  EXPECT_TRUE(b.blocked());
  semaphore.release(2);
  a.join();
  b.join();
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
}

// A plain Semaphore may be released more often than acquired: its count grows.
TEST(Semaphore, PlainSemaphoreMayGrowAboveItsInitialValue) {
  Semaphore semaphore(0);
  semaphore.release();
  semaphore.release();
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_FALSE(semaphore.acquire(false));
}

// Bad arguments are ValueErrors, as in Python: a negative initial value, release(0), a non-blocking timeout.
TEST(Semaphore, BadArgumentsAreValueErrors) {
  EXPECT_THROW(Semaphore(-1), ValueError);
  EXPECT_THROW(BoundedSemaphore(-1), ValueError);
  Semaphore semaphore(1);
  EXPECT_THROW(semaphore.release(0), ValueError);
  EXPECT_THROW(semaphore.acquire(false, 1s), ValueError);
}

// Releasing a BoundedSemaphore above its initial value throws ValueError with Python's message.
TEST(BoundedSemaphore, ReleaseAboveTheInitialValueThrows) {
  BoundedSemaphore semaphore(1);
  try {
    semaphore.release();
    FAIL() << "release() of a full BoundedSemaphore did not throw";
  } catch (const ValueError& error) {
    EXPECT_NE(std::string(error.what()).find("Semaphore released too many times"), std::string::npos) << error.what();
  }
}

// A refused release changes nothing: the count stays at the bound.
TEST(BoundedSemaphore, RefusedReleaseChangesNothing) {
  BoundedSemaphore semaphore(2);
  ASSERT_TRUE(semaphore.acquire(false));
  EXPECT_THROW(semaphore.release(2), ValueError);  // 1 + 2 > 2
  semaphore.release();                              // 1 + 1 == 2: fine
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_TRUE(semaphore.acquire(false));
  EXPECT_FALSE(semaphore.acquire(false)) << "the refused release added permits after all";
}

// Within its bound, a BoundedSemaphore works like a Semaphore: acquire, release, acquire again.
TEST(BoundedSemaphore, ReleaseWithinTheBoundReturnsThePermit) {
  BoundedSemaphore semaphore(1);
  ASSERT_TRUE(semaphore.acquire(false));
  EXPECT_FALSE(semaphore.acquire(false));
  semaphore.release();
  EXPECT_TRUE(semaphore.acquire(false));
}

}  // namespace
