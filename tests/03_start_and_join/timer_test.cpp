// Tests of lesson 03's Timer: threading.Timer(interval, function) with cancel(), woken at once.
#include "timer.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using lesson03_test::RecordingHook;
using threadlings::lesson03::ThreadError;
using threadlings::lesson03::Timer;

// A timer with a zero interval fires once, at once, after start().
TEST(Timer, FiresOnceAfterItsInterval) {
  std::atomic<int> fired{0};
  Timer timer(0ms, [&] { ++fired; });
  timer.start();
  timer.join();
  EXPECT_EQ(fired.load(), 1);
}

// A timer does not fire before start().
TEST(Timer, DoesNotFireBeforeStart) {
  std::atomic<int> fired{0};
  Timer timer(0ms, [&] { ++fired; });
  EXPECT_FALSE(timer.is_alive());
  timer.start();
  timer.join();
  EXPECT_EQ(fired.load(), 1);
}

// A timer with a long interval is still waiting after a short join(timeout): it has not fired.
TEST(Timer, WaitsForItsInterval) {
  std::atomic<int> fired{0};
  Timer timer(1h, [&] { ++fired; });
  timer.start();
  EXPECT_FALSE(timer.join(1ms)) << "a one-hour timer finished within a millisecond";
  EXPECT_TRUE(timer.is_alive());
  EXPECT_EQ(fired.load(), 0);
  timer.cancel();
  timer.join();
}

// cancel() wakes a waiting timer at once: join() returns without the function having run.
TEST(Timer, CancelStopsAWaitingTimer) {
  std::atomic<int> fired{0};
  Timer timer(1h, [&] { ++fired; });
  const auto threads_before = threadlings::testing::thread_ids();
  timer.start();
  // Cancel only once the timer's thread is asleep in its wait: a cancel that came first would be seen
  // by the wait's predicate, and a cancel() that forgot to wake the timer would go unnoticed.
  const auto timer_tid = threadlings::testing::thread_started_since(threads_before);
  ASSERT_TRUE(timer_tid.has_value()) << "start() did not start a thread";
  ASSERT_TRUE(threadlings::testing::wait_until_blocked(*timer_tid)) << "the timer's thread never waited";
  timer.cancel();
  timer.join();  // would wait an hour (the watchdog reports it) if cancel() did not wake the timer
  EXPECT_EQ(fired.load(), 0);
}

// cancel() before start() means the timer never fires, even with a zero interval.
TEST(Timer, CancelBeforeStartPreventsFiring) {
  std::atomic<int> fired{0};
  Timer timer(0ms, [&] { ++fired; });
  timer.cancel();
  timer.start();
  timer.join();
  EXPECT_EQ(fired.load(), 0);
}

// cancel() after the timer has fired is harmless: no exception, and the one call stands.
TEST(Timer, CancelAfterFiringIsHarmless) {
  std::atomic<int> fired{0};
  Timer timer(0ms, [&] { ++fired; });
  timer.start();
  timer.join();
  EXPECT_NO_THROW(timer.cancel());
  EXPECT_NO_THROW(timer.cancel());
  EXPECT_EQ(fired.load(), 1);
}

// A second start() throws ThreadError, as for any Python thread.
TEST(Timer, StartTwiceThrows) {
  Timer timer(0ms, [] {});
  timer.start();
  EXPECT_THROW(timer.start(), ThreadError);
  timer.join();
}

// join() before start() throws ThreadError.
TEST(Timer, JoinBeforeStartThrows) {
  Timer timer(0ms, [] {});
  EXPECT_THROW(timer.join(), ThreadError);
}

// Destroying a waiting timer cancels it and returns at once; the function never runs.
TEST(Timer, DestructorCancelsAWaitingTimer) {
  std::atomic<int> fired{0};
  auto timer = std::make_unique<Timer>(1h, [&] { ++fired; });
  timer->start();
  timer.reset();  // would wait an hour (the watchdog reports it) if the destructor did not cancel
  EXPECT_EQ(fired.load(), 0);
}

// An exception escaping the function goes to the excepthook, under the timer's name.
TEST(Timer, ExceptionGoesToTheExcepthook) {
  RecordingHook hook;
  Timer timer(0ms, [] { throw std::runtime_error("alarm failed"); }, "alarm");
  timer.start();
  timer.join();
  const auto calls = hook.calls();
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].thread_name, "alarm");
  EXPECT_EQ(calls[0].what, "alarm failed");
}

}  // namespace
