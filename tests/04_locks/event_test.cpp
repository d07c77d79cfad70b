// Tests of lesson 04's Event: set, clear, is_set, wait and wait(timeout), waking every waiter.
#include "event.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::lesson04::Event;

// A new Event is not set.
TEST(Event, IsNotSetInitially) {
  const Event event;
  EXPECT_FALSE(event.is_set());
}

// set() raises the flag and clear() lowers it again.
TEST(Event, SetAndClearChangeTheFlag) {
  Event event;
  event.set();
  EXPECT_TRUE(event.is_set());
  event.set();  // twice is harmless
  EXPECT_TRUE(event.is_set());
  event.clear();
  EXPECT_FALSE(event.is_set());
}

// wait() and wait(timeout) return at once, true, when the flag is already set.
TEST(Event, WaitReturnsAtOnceWhenAlreadySet) {
  Event event;
  event.set();
  event.wait();  // a bare wait without a predicate would sleep here for ever
  EXPECT_TRUE(event.wait(0ms));
  EXPECT_TRUE(event.wait(1h));
}

// wait(timeout) returns false when the time runs out and the flag is still down.
TEST(Event, WaitReturnsFalseOnTimeout) {
  Event event;
  EXPECT_FALSE(event.wait(0ms));
  EXPECT_FALSE(event.wait(1ms));
  EXPECT_FALSE(event.wait(-1s));
}

// After clear(), wait(timeout) blocks again (and times out).
TEST(Event, ClearMakesWaitBlockAgain) {
  Event event;
  event.set();
  event.clear();
  EXPECT_FALSE(event.wait(1ms));
}

// set() wakes every waiting thread, not just one.
TEST(Event, SetWakesEveryWaiter) {
  Event event;
  std::array<std::atomic<bool>, 3> woke{};
  std::array<std::unique_ptr<ObservedThread>, 3> waiters;
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    waiters[i] = std::make_unique<ObservedThread>([&event, &woke, i] {
      try {
        event.wait();
        woke[i] = true;
      } catch (...) {  // an unfinished wait(): woke stays false
      }
    });
  }
  for (auto& waiter : waiters) EXPECT_TRUE(waiter->blocked());
  event.set();  // a set() that wakes only one (or none) leaves threads waiting: the watchdog reports it
  for (auto& waiter : waiters) waiter->join();
  for (const auto& flag : woke) EXPECT_TRUE(flag.load());
}

// A waiter blocked in wait(timeout) returns true as soon as the event is set (it does not sleep the hour).
TEST(Event, TimedWaitReturnsTrueWhenSet) {
  Event event;
  bool result = false;
  ObservedThread waiter([&] {
    try {
      result = event.wait(1h);
    } catch (...) {
    }
  });
  EXPECT_TRUE(waiter.blocked());
  event.set();
  waiter.join();
  EXPECT_TRUE(result);
}

// As in Python: waiters blocked when set() is called wake up, and report true, even if clear() follows at once.
// (A waiter that only looks at the flag fails this when clear() wins the race to the lock, which is often but
// not always: the mistake can pass some runs and fail others.)
TEST(Event, SetThenClearStillWakesWaiters) {
  Event event;
  bool result = false;
  ObservedThread waiter([&] {
    try {
      result = event.wait(3s);  // a bound only so that a missed wake-up fails here, not in the watchdog
    } catch (...) {
    }
  });
  EXPECT_TRUE(waiter.blocked());
  event.set();
  event.clear();
  waiter.join();
  EXPECT_TRUE(result) << "the waiter missed a set() because clear() came before it woke up";
}

}  // namespace
