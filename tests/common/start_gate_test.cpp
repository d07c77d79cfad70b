#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

using threadlings::testing::StartGate;

// No worker passes the gate before it opens, and all pass after.
TEST(StartGate, HoldsWorkersUntilOpened) {
  constexpr int kWorkers = 4;
  StartGate gate(kWorkers);
  std::atomic<int> passed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&] {
      gate.arrive_and_wait();
      passed.fetch_add(1);
    });
  }
  gate.wait_until_all_arrived();
  const int passed_before_open = passed.load();
  gate.open();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(passed_before_open, 0);
  EXPECT_EQ(passed.load(), kWorkers);
}

// A Signal carries one event from one thread to another.
TEST(Signal, WaitReturnsAfterNotify) {
  threadlings::testing::Signal signal;
  EXPECT_FALSE(signal.notified());
  std::thread notifier([&] { signal.notify(); });
  signal.wait();
  notifier.join();
  EXPECT_TRUE(signal.notified());
}

}  // namespace

namespace {

// thread_count sees a thread as soon as std::thread's constructor returns.
TEST(ThreadState, CountsThreads) {
  const std::size_t before = threadlings::testing::thread_count();
  threadlings::testing::Signal done;
  std::thread worker([&] { done.wait(); });
  const std::size_t during = threadlings::testing::thread_count();
  done.notify();
  worker.join();
  EXPECT_EQ(during, before + 1);
}

// thread_started_since finds the one thread started after the snapshot, by its kernel id.
TEST(ThreadState, FindsTheThreadStartedSinceASnapshot) {
  const auto before = threadlings::testing::thread_ids();
  EXPECT_FALSE(threadlings::testing::thread_started_since(before).has_value());
  threadlings::testing::Signal started, release;
  std::atomic<pid_t> tid{0};
  std::thread worker([&] {
    tid = threadlings::testing::current_tid();
    started.notify();
    release.wait();
  });
  started.wait();
  const auto found = threadlings::testing::thread_started_since(before);
  release.notify();
  worker.join();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, tid.load());
}

// wait_until_blocked sees a thread parked on a latch.
TEST(ThreadState, SeesABlockedThread) {
  threadlings::testing::Signal started, release;
  std::atomic<pid_t> tid{0};
  std::thread worker([&] {
    tid = threadlings::testing::current_tid();
    started.notify();
    release.wait();
  });
  started.wait();
  const bool blocked = threadlings::testing::wait_until_blocked(tid.load());
  release.notify();
  worker.join();
  EXPECT_TRUE(blocked);
}

}  // namespace
