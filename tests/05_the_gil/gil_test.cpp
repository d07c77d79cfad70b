// Tests of lesson 05's Gil: mutual exclusion, the drop request, switches and forced switching.
// The waits of takers are scripted (test_support.hpp): a "timeout" happens when the test says so.
#include "gil.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using lesson05_test::ScriptedWaiter;
using Outcome = lesson05_test::ScriptedWaiter::Outcome;
using threadlings::lesson05::Gil;
using threadlings::lesson05::GilError;
using threadlings::testing::Signal;

// Takes and drops `gil` on a thread of its own; get() rethrows what that thread threw.
std::future<void> take_and_drop_on_another_thread(Gil& gil) {
  return std::async(std::launch::async, [&gil] {
    gil.take();
    gil.drop();
  });
}

// Taking a free GIL returns at once, without waiting an interval, and the taker then holds it.
TEST(Gil, TakeOnAFreeGilDoesNotWait) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  EXPECT_FALSE(gil.locked());
  gil.take();
  EXPECT_TRUE(gil.held_by_current_thread());
  EXPECT_TRUE(gil.locked());
  EXPECT_EQ(waiter.started(), 0U) << "take() waited although the GIL was free";
  gil.drop();
  EXPECT_FALSE(gil.locked());
  EXPECT_FALSE(gil.held_by_current_thread());
}

// Taking the GIL twice from one thread throws GilError (it would wait for itself) and keeps the hold.
TEST(Gil, TakeTwiceFromOneThreadThrowsGilError) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  EXPECT_THROW(gil.take(), GilError);
  EXPECT_TRUE(gil.held_by_current_thread());
  EXPECT_EQ(waiter.started(), 0U);
  gil.drop();
}

// Dropping a GIL that nobody holds throws GilError.
TEST(Gil, DropWithoutHoldingThrowsGilError) {
  Gil gil;
  EXPECT_THROW(gil.drop(), GilError);
  EXPECT_FALSE(gil.locked());
}

// Dropping a GIL held by another thread throws GilError and leaves the holder holding it.
TEST(Gil, DropByAThreadThatDoesNotHoldItThrowsGilError) {
  Gil gil;
  gil.take();
  const bool threw = std::async(std::launch::async, [&gil] {
                       try {
                         gil.drop();
                       } catch (const GilError&) {
                         return true;
                       }
                       return false;
                     }).get();
  EXPECT_TRUE(threw) << "another thread dropped the GIL that this thread holds";
  EXPECT_TRUE(gil.held_by_current_thread());
  gil.drop();
}

// While one thread holds the GIL, a taker keeps waiting, also when a wait ends without a timeout.
TEST(Gil, TakeWaitsWhileAnotherThreadHolds) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  std::atomic<bool> taken{false};
  auto taker = std::async(std::launch::async, [&] {
    gil.take();
    taken = true;
    gil.drop();
  });
  waiter.wait_until_started(1);
  waiter.resolve_next(Outcome::kWoken);  // a wake-up, but the GIL is still held
  waiter.wait_until_started(2);          // so the taker waits again
  EXPECT_FALSE(taken.load());
  EXPECT_TRUE(gil.held_by_current_thread());
  waiter.stop_scripting();
  gil.drop();
  taker.get();
  EXPECT_TRUE(taken.load());
}

// drop() wakes a taker that waits with no timeout at all: the hand-off does not wait for the clock.
TEST(Gil, DropWakesAWaitingTaker) {
  ScriptedWaiter waiter(ScriptedWaiter::Mode::kUntimed);
  Gil gil(waiter);
  gil.take();
  auto taker = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);  // the taker is inside its wait, which only a notify can end
  gil.drop();
  taker.get();  // hangs (the watchdog names this test) if drop() did not notify
  EXPECT_FALSE(gil.locked());
}

// A taker asks the holder to drop only after a wait that timed out, not after every wait.
TEST(Gil, DropRequestIsSetOnlyAfterATimeout) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  auto taker = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);
  EXPECT_FALSE(gil.drop_requested()) << "set before any wait had ended";
  waiter.resolve_next(Outcome::kWoken);
  waiter.wait_until_started(2);
  EXPECT_FALSE(gil.drop_requested()) << "set after a wait that did not time out";
  waiter.resolve_next(Outcome::kTimeout);
  waiter.wait_until_started(3);
  EXPECT_TRUE(gil.drop_requested()) << "not set after a switch interval without a hand-off";
  waiter.stop_scripting();
  gil.drop();
  taker.get();
}

// When the GIL changed hands during a taker's wait, a timeout does not set the drop request: the
// new holder gets a whole interval.
TEST(Gil, NoDropRequestWhenTheGilChangedHandsDuringTheWait) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  auto waiting_taker = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);
  gil.drop();  // no request pending: returns at once; the waiting taker is still in its wait
  Signal has_it;
  Signal release;
  auto new_holder = std::async(std::launch::async, [&] {
    gil.take();  // free: taken without waiting, a switch from this thread to the new holder
    has_it.notify();
    release.wait();
    gil.drop();
  });
  has_it.wait();
  waiter.resolve_next(Outcome::kTimeout);  // the waiting taker's wait times out, but a switch happened
  waiter.wait_until_started(2);
  EXPECT_FALSE(gil.drop_requested()) << "the new holder was asked to drop before its interval was over";
  waiter.stop_scripting();
  release.notify();
  new_holder.get();
  waiting_taker.get();
}

// The hand-off that answers a drop request clears it: the new holder is not asked to drop at once.
TEST(Gil, TheHandOffClearsTheDropRequest) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  Signal has_it;
  Signal release;
  auto taker = std::async(std::launch::async, [&] {
    gil.take();
    has_it.notify();
    release.wait();
    gil.drop();
  });
  waiter.wait_until_started(1);
  waiter.resolve_next(Outcome::kTimeout);
  waiter.wait_until_started(2);
  ASSERT_TRUE(gil.drop_requested());
  waiter.stop_scripting();
  gil.drop();  // requested: returns once the taker has the GIL
  has_it.wait();
  EXPECT_FALSE(gil.drop_requested()) << "the request outlived the hand-off that answered it";
  release.notify();
  taker.get();
}

// Forced switching: after a requested drop, the dropping thread cannot take the GIL back before the
// requester has had it (the switch count goes holder -> requester -> holder).
TEST(Gil, RequestedDropHandsTheGilToTheRequesterFirst) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  const std::uint64_t switches_at_start = gil.switch_number();
  auto requester = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);
  waiter.resolve_next(Outcome::kTimeout);
  waiter.wait_until_started(2);  // the request is set; the requester's next wait is scripted
  // The requester stays in that wait until this thread is blocked (inside drop(), if all is well).
  std::jthread unblocker([&waiter, me = threadlings::testing::current_tid()] {
    (void)threadlings::testing::wait_until_blocked(me);
    waiter.stop_scripting();
  });
  gil.drop();
  gil.take();  // without forced switching: straight back, before the requester ever had it
  const std::uint64_t switches = gil.switch_number() - switches_at_start;
  gil.drop();
  requester.get();
  EXPECT_EQ(switches, 2U) << "expected two switches (to the requester and back); 0 means this thread "
                             "took the GIL straight back";
}

// A drop with no request pending does not wait for anyone to take the GIL.
TEST(Gil, DropWithoutARequestDoesNotWaitForATaker) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.take();
  auto taker = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);  // the taker waits, and will until the test resolves its wait
  gil.drop();                    // must return now, although nobody has taken the GIL
  EXPECT_FALSE(gil.locked());
  waiter.stop_scripting();
  taker.get();
}

// The switch number counts changes of holder, not takes: re-taking by the same thread is no switch.
TEST(Gil, SwitchNumberCountsChangesOfHolder) {
  Gil gil;
  gil.take();
  const std::uint64_t first = gil.switch_number();
  gil.drop();
  gil.take();
  EXPECT_EQ(gil.switch_number(), first) << "the same thread again is not a switch";
  gil.drop();
  take_and_drop_on_another_thread(gil).get();
  EXPECT_EQ(gil.switch_number(), first + 1);
  gil.take();
  EXPECT_EQ(gil.switch_number(), first + 2);
  gil.drop();
}

// The switch interval starts at CPython's 5 ms.
TEST(Gil, SwitchIntervalDefaultsToFiveMilliseconds) {
  const Gil gil;
  EXPECT_EQ(gil.switch_interval(), std::chrono::nanoseconds(5ms));
}

// A switch interval that is zero or negative is rejected, as sys.setswitchinterval() rejects it.
TEST(Gil, SetSwitchIntervalRejectsANonPositiveInterval) {
  Gil gil;
  EXPECT_THROW(gil.set_switch_interval(0ns), std::invalid_argument);
  EXPECT_THROW(gil.set_switch_interval(-1ms), std::invalid_argument);
  EXPECT_EQ(gil.switch_interval(), std::chrono::nanoseconds(5ms));
}

// Each wait of a taker lasts the switch interval that was set.
TEST(Gil, TakersWaitOneSwitchIntervalAtATime) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  gil.set_switch_interval(2ms);
  gil.take();
  auto taker = take_and_drop_on_another_thread(gil);
  waiter.wait_until_started(1);
  EXPECT_EQ(waiter.last_interval(), std::chrono::nanoseconds(2ms));
  waiter.stop_scripting();
  gil.drop();
  taker.get();
}

}  // namespace
