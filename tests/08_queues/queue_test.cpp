// Tests of lesson 08's Queue, LifoQueue and PriorityQueue (Python's queue module, for threads).
// Interleavings are forced with wait_until_blocked(): "the getter is waiting" is observed in the
// kernel, never assumed after a sleep.
#include "queue.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::lesson08::Empty;
using threadlings::lesson08::Full;
using threadlings::lesson08::LifoQueue;
using threadlings::lesson08::Prioritized;
using threadlings::lesson08::PriorityQueue;
using threadlings::lesson08::Queue;
using threadlings::lesson08::ShutDown;
using threadlings::lesson08::TaskDoneError;
using threadlings::testing::wait_until_blocked;

// Whether `condition` becomes true within `limit`: a liveness bound, thousands of times what a right
// solution needs, so that a thread left asleep fails the test before its own timeout ends the wait.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 1500ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Items come out in the order they went in.
TEST(Queue, GetReturnsItemsInPutOrder) {
  Queue<int> queue;
  for (int i = 0; i < 5; ++i) queue.put(i);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(queue.get(), i);
}

// get() on an empty queue waits for the next put() and returns that item.
TEST(Queue, GetBlocksUntilPut) {
  Queue<std::string> queue;
  std::atomic<bool> returned{false};
  std::string item;
  ObservedThread getter([&] {
    item = queue.get();
    returned = true;
  });
  EXPECT_TRUE(wait_until_blocked(getter.tid())) << "get() on an empty queue did not wait";
  EXPECT_FALSE(returned) << "get() returned from an empty queue";
  queue.put("hello");
  getter.join();
  EXPECT_EQ(item, "hello");
}

// get_nowait() and get(false) never wait: on an empty queue they throw Empty.
TEST(Queue, GetNowaitOnAnEmptyQueueThrowsEmpty) {
  Queue<int> queue;
  EXPECT_THROW((void)queue.get_nowait(), Empty);
  EXPECT_THROW((void)queue.get(false), Empty);
}

// get() with a timeout on a queue that stays empty throws Empty when the time is up.
TEST(Queue, GetWithATimeoutThrowsEmptyWhenNothingArrives) {
  Queue<int> queue;
  EXPECT_THROW((void)queue.get(true, 1ms), Empty);
  EXPECT_THROW((void)queue.get(true, 0ms), Empty);
}

// put_nowait() on a full bounded queue throws Full and does not add the item.
TEST(Queue, PutNowaitOnAFullQueueThrowsFull) {
  Queue<int> queue(1);
  queue.put(1);
  EXPECT_THROW(queue.put_nowait(2), Full);
  EXPECT_THROW(queue.put(2, false), Full);
  EXPECT_EQ(queue.qsize(), 1U);
}

// put() with a timeout on a queue that stays full throws Full when the time is up.
TEST(Queue, PutWithATimeoutThrowsFullWhenNoRoomAppears) {
  Queue<int> queue(1);
  queue.put(1);
  EXPECT_THROW(queue.put(2, true, 1ms), Full);
  EXPECT_EQ(queue.get(), 1);
}

// put() on a full queue waits until a get() makes room, then adds its item.
TEST(Queue, PutBlocksWhileFullUntilAGetMakesRoom) {
  Queue<int> queue(1);
  queue.put(1);
  std::atomic<bool> returned{false};
  ObservedThread putter([&] {
    queue.put(2);
    returned = true;
  });
  EXPECT_TRUE(wait_until_blocked(putter.tid())) << "put() on a full queue did not wait";
  EXPECT_FALSE(returned) << "put() went past the bound";
  EXPECT_EQ(queue.get(), 1);
  putter.join();
  EXPECT_EQ(queue.get(), 2);
}

// A negative timeout is a programming error, as Python's ValueError.
TEST(Queue, NegativeTimeoutThrowsInvalidArgument) {
  Queue<int> queue(1);
  EXPECT_THROW((void)queue.get(true, -1ms), std::invalid_argument);
  queue.put(1);
  EXPECT_THROW(queue.put(2, true, -1ms), std::invalid_argument);
}

// qsize/empty/full follow the items; full() becomes true exactly at maxsize, not one before or after.
TEST(Queue, QsizeEmptyAndFullFollowTheItems) {
  Queue<int> queue(2);
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.full());
  queue.put(1);
  EXPECT_EQ(queue.qsize(), 1U);
  EXPECT_FALSE(queue.empty());
  EXPECT_FALSE(queue.full()) << "one item in a queue of maxsize 2 is not full";
  queue.put(2);
  EXPECT_EQ(queue.qsize(), 2U);
  EXPECT_TRUE(queue.full()) << "two items in a queue of maxsize 2 is full";
  EXPECT_THROW(queue.put_nowait(3), Full);
  EXPECT_EQ(queue.maxsize(), 2);
}

// Without a bound (maxsize 0 or negative) the queue is never full and put() never waits.
TEST(Queue, UnboundedQueueIsNeverFull) {
  Queue<int> zero(0);
  Queue<int> negative(-3);
  for (int i = 0; i < 1000; ++i) {
    zero.put_nowait(i);
    negative.put_nowait(i);
  }
  EXPECT_FALSE(zero.full());
  EXPECT_FALSE(negative.full());
  EXPECT_EQ(zero.qsize(), 1000U);
}

// Items that can only be moved (a std::unique_ptr) pass through the queue.
TEST(Queue, MoveOnlyItemsPassThrough) {
  Queue<std::unique_ptr<int>> queue;
  queue.put(std::make_unique<int>(42));
  const std::unique_ptr<int> item = queue.get();
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(*item, 42);
}

// A get() with a timeout that wakes and finds the item already taken by someone else waits again for
// the rest of its time; it does not give up with Empty after the first wake-up.
TEST(Queue, TimedGetKeepsWaitingWhenAWakeUpFindsNoItem) {
  constexpr int kStop = -1;
  constexpr int kStealsWanted = 3;
  Queue<int> queue;
  ObservedThread getter([&] {
    while (queue.get(true, 60s) != kStop) {
    }
  });
  // Each round puts an item while the getter sleeps in get(), which wakes it, and tries to take the
  // item back before the getter runs. Whether this thread wins a round is up to the scheduler, so the
  // rounds go on until it has won a few: each win is a wake-up that finds nothing.
  int steals = 0;
  for (int round = 0; steals < kStealsWanted && round < 100'000; ++round) {
    (void)wait_until_blocked(getter.tid(), 2s);
    queue.put(round);
    try {
      (void)queue.get_nowait();
      ++steals;
    } catch (const Empty&) {
      // the getter got this one
    }
  }
  queue.put(kStop);
  getter.join();  // rethrows Empty if the getter gave up after a wake-up that found nothing
  EXPECT_EQ(steals, kStealsWanted) << "the test never took an item from under the woken getter, so it "
                                      "checked nothing";
}

// Many producers and consumers on a small bounded queue: every item arrives exactly once.
TEST(Queue, ManyProducersAndConsumersLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kItems = 2000;
  Queue<int> queue(4);
  std::atomic<long long> sum{0};
  std::atomic<int> count{0};
  {
    std::vector<std::unique_ptr<ObservedThread>> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.push_back(std::make_unique<ObservedThread>([&, t] {
        for (int i = 0; i < kItems; ++i) queue.put(t * kItems + i + 1);
      }));
      workers.push_back(std::make_unique<ObservedThread>([&] {
        for (int item = queue.get(); item != 0; item = queue.get()) {
          sum += item;
          ++count;
        }
      }));
    }
    for (std::size_t w = 0; w < workers.size(); w += 2) workers[w]->join();  // producers done
    for (int t = 0; t < kThreads; ++t) queue.put(0);                          // one stop per consumer
    for (std::size_t w = 1; w < workers.size(); w += 2) workers[w]->join();  // consumers done
  }
  const long long n = static_cast<long long>(kThreads) * kItems;
  EXPECT_EQ(count, n);
  EXPECT_EQ(sum, n * (n + 1) / 2);
  EXPECT_TRUE(queue.empty());
}

// join() with nothing ever put returns at once.
TEST(TaskDone, JoinReturnsAtOnceWhenNothingWasPut) {
  Queue<int> queue;
  queue.join();
  SUCCEED();
}

// join() waits until every item put has been marked done: two items, two task_done() calls.
TEST(TaskDone, JoinBlocksUntilEveryItemIsMarkedDone) {
  Queue<int> queue;
  queue.put(1);
  queue.put(2);
  (void)queue.get();
  (void)queue.get();
  std::atomic<bool> returned{false};
  ObservedThread joiner([&] {
    queue.join();
    returned = true;
  });
  EXPECT_TRUE(wait_until_blocked(joiner.tid())) << "join() did not wait for unfinished tasks";
  EXPECT_FALSE(returned);
  queue.task_done();
  EXPECT_TRUE(wait_until_blocked(joiner.tid()));
  EXPECT_FALSE(returned) << "join() returned with one task still unfinished";
  queue.task_done();
  joiner.join();
  EXPECT_TRUE(returned);
}

// Every join() waiting returns when the last task is done, not only one of them.
TEST(TaskDone, LastTaskDoneReleasesEveryJoin) {
  Queue<int> queue;
  queue.put(1);
  (void)queue.get();
  ObservedThread first([&] { queue.join(); });
  ObservedThread second([&] { queue.join(); });
  EXPECT_TRUE(wait_until_blocked(first.tid()));
  EXPECT_TRUE(wait_until_blocked(second.tid()));
  queue.task_done();
  first.join();
  second.join();
}

// More task_done() calls than items put throw TaskDoneError (Python's ValueError) and change nothing.
TEST(TaskDone, OneTooManyThrowsAndLeavesTheCountAlone) {
  Queue<int> queue;
  EXPECT_THROW(queue.task_done(), TaskDoneError);
  queue.put(1);
  queue.task_done();
  EXPECT_THROW(queue.task_done(), TaskDoneError);
  queue.join();  // the count is 0, not "minus one": join() returns
  queue.put(2);
  queue.task_done();
  queue.join();
}

// After shutdown() every put() throws ShutDown, whether it would block or not.
TEST(Shutdown, PutAfterShutdownThrowsShutDown) {
  Queue<int> queue(1);
  queue.shutdown();
  EXPECT_THROW(queue.put(1), ShutDown);
  EXPECT_THROW(queue.put_nowait(1), ShutDown);
  EXPECT_EQ(queue.qsize(), 0U);
}

// After shutdown() get() still hands out what is left, then throws ShutDown (not Empty, not a wait).
TEST(Shutdown, GetDrainsTheRemainingItemsThenThrowsShutDown) {
  Queue<int> queue;
  queue.put(1);
  queue.put(2);
  queue.shutdown();
  EXPECT_EQ(queue.get(), 1);
  EXPECT_EQ(queue.get_nowait(), 2);
  EXPECT_THROW((void)queue.get(), ShutDown);
  EXPECT_THROW((void)queue.get_nowait(), ShutDown);
}

// shutdown() wakes every get() blocked on the empty queue; each throws ShutDown.
TEST(Shutdown, WakesEveryBlockedGetter) {
  Queue<int> queue;
  std::atomic<int> woken{0};
  // The timeout only ends a wrong solution's wait: a getter left asleep would otherwise hang the test.
  auto getter = [&] {
    try {
      (void)queue.get(true, 4s);
    } catch (const ShutDown&) {
      ++woken;
      throw;
    }
  };
  ObservedThread first(getter);
  ObservedThread second(getter);
  EXPECT_TRUE(wait_until_blocked(first.tid()));
  EXPECT_TRUE(wait_until_blocked(second.tid()));
  queue.shutdown();
  EXPECT_TRUE(eventually([&] { return woken == 2; })) << "a getter still sleeps after shutdown()";
  EXPECT_THROW(first.join(), ShutDown);
  EXPECT_THROW(second.join(), ShutDown);
}

// shutdown() wakes every put() blocked on a full queue; each throws ShutDown and adds nothing.
TEST(Shutdown, WakesEveryBlockedPutter) {
  Queue<int> queue(1);
  queue.put(1);
  std::atomic<int> woken{0};
  auto putter = [&](int item) {
    try {
      queue.put(item, true, 4s);
    } catch (const ShutDown&) {
      ++woken;
      throw;
    }
  };
  ObservedThread first([&] { putter(2); });
  ObservedThread second([&] { putter(3); });
  EXPECT_TRUE(wait_until_blocked(first.tid()));
  EXPECT_TRUE(wait_until_blocked(second.tid()));
  queue.shutdown();
  EXPECT_TRUE(eventually([&] { return woken == 2; })) << "a putter still sleeps after shutdown()";
  EXPECT_THROW(first.join(), ShutDown);
  EXPECT_THROW(second.join(), ShutDown);
  EXPECT_EQ(queue.qsize(), 1U);
}

// shutdown(true) discards the items: get() throws ShutDown at once.
TEST(Shutdown, ImmediateDiscardsTheItems) {
  Queue<int> queue;
  queue.put(1);
  queue.put(2);
  queue.shutdown(true);
  EXPECT_EQ(queue.qsize(), 0U);
  EXPECT_TRUE(queue.empty());
  EXPECT_THROW((void)queue.get(), ShutDown);
}

// shutdown(true) releases a join() that waits for items nobody will now take.
TEST(Shutdown, ImmediateReleasesJoin) {
  Queue<int> queue;
  queue.put(1);
  queue.put(2);
  ObservedThread joiner([&] { queue.join(); });
  EXPECT_TRUE(wait_until_blocked(joiner.tid()));
  queue.shutdown(true);
  joiner.join();
}

// An item taken before shutdown(true) is still somebody's work: join() waits for its task_done().
TEST(Shutdown, ImmediateStillWaitsForItemsTakenBefore) {
  Queue<int> queue;
  queue.put(1);
  queue.put(2);
  EXPECT_EQ(queue.get(), 1);  // in progress
  std::atomic<bool> returned{false};
  ObservedThread joiner([&] {
    queue.join();
    returned = true;
  });
  EXPECT_TRUE(wait_until_blocked(joiner.tid()));
  queue.shutdown(true);  // discards item 2, counted as done
  EXPECT_TRUE(wait_until_blocked(joiner.tid()));
  EXPECT_FALSE(returned) << "join() returned while item 1 was still being processed";
  queue.task_done();
  joiner.join();
  EXPECT_THROW(queue.task_done(), TaskDoneError);
}

// LifoQueue hands out the newest item first.
TEST(LifoQueue, GetReturnsTheNewestItemFirst) {
  LifoQueue<int> stack;
  for (int i = 0; i < 4; ++i) stack.put(i);
  for (int i = 3; i >= 0; --i) EXPECT_EQ(stack.get(), i);
  EXPECT_THROW((void)stack.get_nowait(), Empty);
}

// PriorityQueue hands out the smallest item first, whatever the order of the puts.
TEST(PriorityQueue, GetReturnsTheSmallestFirst) {
  PriorityQueue<int> queue;
  for (const int i : {5, 1, 4, 2, 3, 0}) queue.put(i);
  for (int i = 0; i <= 5; ++i) EXPECT_EQ(queue.get(), i);
}

// Python's (priority, data) tuples: by priority, then by data.
TEST(PriorityQueue, PairsOrderByPriorityThenByData) {
  PriorityQueue<std::pair<int, std::string>> queue;
  queue.put({2, "b"});
  queue.put({1, "z"});
  queue.put({2, "a"});
  EXPECT_EQ(queue.get(), (std::pair<int, std::string>{1, "z"}));
  EXPECT_EQ(queue.get(), (std::pair<int, std::string>{2, "a"}));
  EXPECT_EQ(queue.get(), (std::pair<int, std::string>{2, "b"}));
}

// Items of equal priority come out in the order they were put (first in, first out).
TEST(PriorityQueue, EqualPrioritiesComeOutInPutOrder) {
  PriorityQueue<Prioritized<std::string>> queue;
  std::vector<std::string> urgent;
  std::vector<std::string> later;
  for (int i = 0; i < 20; ++i) {
    const int priority = (i * 7) % 3 == 0 ? 1 : 2;
    const std::string name = "job" + std::to_string(i);
    queue.put({priority, name});
    (priority == 1 ? urgent : later).push_back(name);
  }
  std::vector<std::string> expected = urgent;
  expected.insert(expected.end(), later.begin(), later.end());
  std::vector<std::string> got;
  while (!queue.empty()) got.push_back(queue.get().item);
  EXPECT_EQ(got, expected);
}

}  // namespace
