// Tests of lesson 03's Heartbeat: a std::jthread loop stopped cooperatively through its stop_token.
#include "heartbeat.hpp"

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using lesson03_test::RecordingHook;
using lesson03_test::ReleaseOnExit;
using threadlings::lesson03::Heartbeat;
using threadlings::lesson03::ThreadError;
using threadlings::testing::Signal;

// The first beat comes at once, not after the first period.
TEST(Heartbeat, FirstBeatIsImmediate) {
  Signal first_beat;
  std::atomic<int> beats{0};
  Heartbeat heartbeat(1h, [&] {
    if (++beats == 1) first_beat.notify();
  });
  first_beat.wait();  // would wait an hour (the watchdog reports it) if the heartbeat waited first
  heartbeat.stop();
  EXPECT_EQ(beats.load(), 1);
}

// Beats repeat, one period apart (here zero: back to back).
TEST(Heartbeat, BeatsRepeat) {
  std::latch three_beats(3);
  std::atomic<int> beats{0};
  Heartbeat heartbeat(0ns, [&] {
    if (++beats <= 3) three_beats.count_down();
  });
  three_beats.wait();
  heartbeat.stop();
  EXPECT_GE(beats.load(), 3);
}

// The destructor stops a heartbeat that is waiting out a long period, at once.
TEST(Heartbeat, DestructorStopsAWaitingHeartbeat) {
  Signal first_beat;
  std::atomic<int> beats{0};
  auto heartbeat = std::make_unique<Heartbeat>(1h, [&] {
    if (++beats == 1) first_beat.notify();
  });
  first_beat.wait();
  heartbeat.reset();  // would wait an hour (the watchdog reports it) if the stop did not wake the wait
  EXPECT_EQ(beats.load(), 1);
}

// stop() returns only once the beat in progress has returned: it joins.
TEST(Heartbeat, StopWaitsForTheRunningBeat) {
  Signal entered, release;
  std::atomic<bool> beat_finished{false};
  std::atomic<int> beats{0};
  Heartbeat heartbeat(1h, [&] {
    if (++beats != 1) return;
    entered.notify();
    release.wait();
    beat_finished = true;
  });
  ReleaseOnExit release_on_exit(release);
  entered.wait();
  const threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  heartbeat.stop();
  EXPECT_TRUE(beat_finished.load()) << "stop() returned while a beat was still running";
}

// A stop requested from inside a beat ends the heartbeat after that beat: no further beat starts.
TEST(Heartbeat, RequestStopFromInsideABeatEndsIt) {
  Signal constructed;
  std::atomic<int> beats{0};
  std::unique_ptr<Heartbeat> heartbeat;
  Signal requested;
  heartbeat = std::make_unique<Heartbeat>(0ns, [&] {
    constructed.wait();  // `heartbeat` is assigned only after the constructor returns
    if (++beats != 1) return;
    heartbeat->request_stop();
    requested.notify();
  });
  constructed.notify();
  requested.wait();   // the stop comes from the beat, not from the stop() below
  heartbeat->stop();  // joins: every beat there will be has happened
  EXPECT_EQ(beats.load(), 1);
}

// stop() from inside a beat would join the heartbeat's own thread: it throws ThreadError.
TEST(Heartbeat, StopFromInsideABeatThrows) {
  Signal constructed;
  std::atomic<bool> threw{false};
  std::unique_ptr<Heartbeat> heartbeat;
  Signal tried;
  heartbeat = std::make_unique<Heartbeat>(1h, [&] {
    constructed.wait();
    try {
      heartbeat->stop();
    } catch (const ThreadError&) {
      threw = true;
    }
    tried.notify();
  });
  constructed.notify();
  tried.wait();
  heartbeat->stop();
  EXPECT_TRUE(threw.load());
}

// stop() twice is harmless.
TEST(Heartbeat, StopTwiceIsHarmless) {
  Heartbeat heartbeat(1h, [] {});
  heartbeat.stop();
  EXPECT_NO_THROW(heartbeat.stop());
}

// An exception escaping a beat goes to the excepthook and ends the heartbeat: no second beat.
TEST(Heartbeat, ExceptionGoesToTheExcepthookAndEndsIt) {
  RecordingHook hook;
  Signal throwing;
  std::atomic<int> beats{0};
  Heartbeat heartbeat(
      0ns,
      [&] {
        if (++beats == 1) throwing.notify();
        throw std::runtime_error("no pulse");
      },
      "pulse");
  throwing.wait();
  heartbeat.stop();  // joins: the hook has been called by now
  const auto calls = hook.calls();
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].thread_name, "pulse");
  EXPECT_EQ(calls[0].what, "no pulse");
  EXPECT_EQ(beats.load(), 1);
}

// An empty beat function or a negative period is rejected before any thread starts.
TEST(Heartbeat, BadArgumentsThrow) {
  EXPECT_THROW(Heartbeat(1h, Heartbeat::Beat{}), std::invalid_argument);
  EXPECT_THROW(Heartbeat(-1ms, [] {}), std::invalid_argument);
}

}  // namespace
