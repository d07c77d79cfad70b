// Tests of lesson 04's Barrier: indices, the action, reuse across phases, abort, reset, timeouts.
#include "barrier.hpp"

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::lesson04::Barrier;
using threadlings::lesson04::BrokenBarrierError;
using threadlings::lesson04::ValueError;

/// How one call of wait() ended.
enum class Outcome { pending, returned, broken, action_failed, other };

void PrintTo(Outcome outcome, std::ostream* out) {
  constexpr const char* kNames[] = {"pending", "returned", "broken", "action_failed", "other"};
  *out << kNames[static_cast<int>(outcome)];
}

/// The exception a test's action throws.
struct ActionFailed : std::runtime_error {
  ActionFailed() : std::runtime_error("the action failed") {}
};

// Calls barrier.wait() (or wait(timeout) when given) and says how it ended.
Outcome wait_outcome(Barrier& barrier, std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  try {
    if (timeout) {
      (void)barrier.wait(*timeout);
    } else {
      (void)barrier.wait();
    }
    return Outcome::returned;
  } catch (const BrokenBarrierError&) {
    return Outcome::broken;
  } catch (const ActionFailed&) {
    return Outcome::action_failed;
  } catch (...) {
    return Outcome::other;
  }
}

// `threads` threads pass the barrier `phases` times; returns, per thread, the index each wait() returned.
// A thread whose wait() throws stops there and aborts the barrier, so that the others stop too.
std::vector<std::vector<std::size_t>> run_phases(Barrier& barrier, std::size_t threads, std::size_t phases,
                                                 const std::function<void(std::size_t, std::size_t)>& after_wait = {}) {
  std::vector<std::vector<std::size_t>> indices(threads);
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        try {
          for (std::size_t phase = 0; phase < phases; ++phase) {
            indices[t].push_back(barrier.wait());
            if (after_wait) after_wait(t, phase);
          }
        } catch (...) {
          try {
            barrier.abort();
          } catch (...) {
          }
        }
      });
    }
  }  // joined here
  return indices;
}

// Zero parties is a ValueError; parties() reports the number given.
TEST(Barrier, PartiesAreCheckedAndReported) {
  EXPECT_THROW(Barrier(0), ValueError);
  const Barrier barrier(3);
  EXPECT_EQ(barrier.parties(), 3U);
}

// In every phase, the threads get the indices 0..parties-1, each exactly once.
TEST(Barrier, WaitReturnsDistinctIndicesInEveryPhase) {
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kPhases = 50;
  Barrier barrier(kThreads);
  const auto indices = run_phases(barrier, kThreads, kPhases);
  for (std::size_t t = 0; t < kThreads; ++t) ASSERT_EQ(indices[t].size(), kPhases) << "thread " << t << " stopped early";
  for (std::size_t phase = 0; phase < kPhases; ++phase) {
    std::set<std::size_t> seen;
    for (std::size_t t = 0; t < kThreads; ++t) seen.insert(indices[t][phase]);
    EXPECT_EQ(seen, (std::set<std::size_t>{0, 1, 2, 3})) << "phase " << phase;
  }
}

// The action runs exactly once per phase, and before any thread of that phase is released.
TEST(Barrier, ActionRunsOncePerPhaseBeforeAnyThreadIsReleased) {
  constexpr std::size_t kThreads = 3;
  constexpr std::size_t kPhases = 30;
  std::atomic<std::size_t> actions{0};
  Barrier barrier(kThreads, [&] { ++actions; });
  std::vector<std::vector<std::size_t>> seen(kThreads);
  (void)run_phases(barrier, kThreads, kPhases, [&](std::size_t t, std::size_t) { seen[t].push_back(actions.load()); });
  EXPECT_EQ(actions.load(), kPhases);
  for (std::size_t t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), kPhases);
    for (std::size_t phase = 0; phase < kPhases; ++phase) {
      EXPECT_EQ(seen[t][phase], phase + 1) << "thread " << t << " left phase " << phase << " having seen "
                                           << seen[t][phase] << " actions";
    }
  }
}

// A thread back early for the next phase waits for it to fill: it never passes a phase before every party
// has arrived at it, however fast it is.
TEST(Barrier, NoThreadPassesAPhaseBeforeEveryPartyArrives) {
  constexpr std::size_t kThreads = 2;
  constexpr std::size_t kPhases = 2000;
  Barrier barrier(kThreads);
  std::atomic<std::size_t> arrivals{0};
  std::atomic<std::size_t> early{0};
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 0; t < kThreads; ++t) {
      workers.emplace_back([&] {
        try {
          for (std::size_t phase = 0; phase < kPhases; ++phase) {
            ++arrivals;
            (void)barrier.wait();
            if (arrivals.load() < kThreads * (phase + 1)) {
              ++early;
              barrier.abort();  // stops the other thread too (it would wait for a phase that never fills)
              return;
            }
          }
        } catch (...) {
          try {
            barrier.abort();
          } catch (...) {
          }
        }
      });
    }
  }
  EXPECT_EQ(early.load(), 0U) << "a thread passed a phase before every party had arrived at it";
  EXPECT_EQ(arrivals.load(), kThreads * kPhases);
}

// The action runs without the barrier's lock held (CP.22): it may call the barrier's own queries.
TEST(Barrier, ActionMayQueryTheBarrier) {
  std::size_t waiting_during_action = 99;
  bool broken_during_action = true;
  std::unique_ptr<Barrier> barrier;
  barrier = std::make_unique<Barrier>(2, [&] {
    waiting_during_action = barrier->n_waiting();  // a lock held around the action deadlocks here
    broken_during_action = barrier->broken();
  });
  const auto indices = run_phases(*barrier, 2, 1);
  ASSERT_EQ(indices[0].size() + indices[1].size(), 2U);
  EXPECT_EQ(waiting_during_action, 0U) << "n_waiting() is 0 once the last party has arrived";
  EXPECT_FALSE(broken_during_action);
}

// n_waiting() counts the threads blocked in the current phase.
TEST(Barrier, NWaitingCountsTheBlockedThreads) {
  Barrier barrier(3);
  EXPECT_EQ(barrier.n_waiting(), 0U);
  Outcome outcome = Outcome::pending;
  ObservedThread waiter([&] { outcome = wait_outcome(barrier); });
  EXPECT_TRUE(waiter.blocked());
  EXPECT_EQ(barrier.n_waiting(), 1U);
  barrier.abort();
  waiter.join();
  EXPECT_EQ(outcome, Outcome::broken);
}

// abort() wakes every waiting thread with BrokenBarrierError, and later waits throw at once.
TEST(Barrier, AbortBreaksWaitersAndLaterWaits) {
  Barrier barrier(3);
  Outcome first = Outcome::pending;
  Outcome second = Outcome::pending;
  ObservedThread a([&] { first = wait_outcome(barrier); });
  ObservedThread b([&] { second = wait_outcome(barrier); });
  EXPECT_TRUE(a.blocked());
  EXPECT_TRUE(b.blocked());
  barrier.abort();  // an abort that does not notify leaves both asleep: the watchdog reports it
  a.join();
  b.join();
  EXPECT_EQ(first, Outcome::broken);
  EXPECT_EQ(second, Outcome::broken);
  EXPECT_TRUE(barrier.broken());
  EXPECT_EQ(wait_outcome(barrier), Outcome::broken) << "a broken barrier stays broken until reset()";
}

// An action that throws breaks the barrier: its thread gets the action's exception, the others
// BrokenBarrierError.
TEST(Barrier, ActionThatThrowsBreaksTheBarrier) {
  Barrier barrier(2, [] { throw ActionFailed(); });
  Outcome first = Outcome::pending;
  Outcome second = Outcome::pending;
  ObservedThread a([&] { first = wait_outcome(barrier); });
  EXPECT_TRUE(a.blocked());
  ObservedThread b([&] { second = wait_outcome(barrier); });
  a.join();
  b.join();
  const std::multiset<Outcome> outcomes{first, second};
  EXPECT_EQ(outcomes, (std::multiset<Outcome>{Outcome::broken, Outcome::action_failed}));
  EXPECT_TRUE(barrier.broken());
}

// A wait(timeout) that times out breaks the barrier, for itself and for every other waiter (Python's rule).
TEST(Barrier, TimeoutBreaksTheBarrierForEveryWaiter) {
  Barrier barrier(3);
  Outcome untimed = Outcome::pending;
  ObservedThread waiter([&] { untimed = wait_outcome(barrier); });
  EXPECT_TRUE(waiter.blocked());
  const Outcome timed = wait_outcome(barrier, 1ms);
  waiter.join();
  EXPECT_EQ(timed, Outcome::broken);
  EXPECT_EQ(untimed, Outcome::broken);
  EXPECT_TRUE(barrier.broken());
}

// reset() wakes the waiting threads with BrokenBarrierError and leaves the barrier usable, not broken.
TEST(Barrier, ResetBreaksWaitersThenTheBarrierWorksAgain) {
  Barrier barrier(2);
  Outcome outcome = Outcome::pending;
  ObservedThread waiter([&] { outcome = wait_outcome(barrier); });
  EXPECT_TRUE(waiter.blocked());
  barrier.reset();
  waiter.join();
  EXPECT_EQ(outcome, Outcome::broken);
  EXPECT_FALSE(barrier.broken());
  const auto indices = run_phases(barrier, 2, 3);
  EXPECT_EQ(indices[0].size(), 3U);
  EXPECT_EQ(indices[1].size(), 3U);
}

// reset() repairs a broken barrier.
TEST(Barrier, ResetRepairsABrokenBarrier) {
  Barrier barrier(2);
  barrier.abort();
  ASSERT_TRUE(barrier.broken());
  barrier.reset();
  EXPECT_FALSE(barrier.broken());
  const auto indices = run_phases(barrier, 2, 1);
  EXPECT_EQ(indices[0].size() + indices[1].size(), 2U);
}

}  // namespace
