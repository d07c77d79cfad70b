// Tests of lesson 11's asyncio.Queue: get and put suspend the task (not the thread), FIFO items, waiters
// served in arrival order, the *_nowait variants, and cancellation that loses no item.
#include "queue.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "awaitables.hpp"
#include "task.hpp"
#include "test_support.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using lesson11_test::now;
using lesson11_test::virtual_clock;

class QueueTest : public threadlings::testing::NoLeaksTest {};

// The queue must outlive the tasks that wait on it: each test's queue lives in its main coroutine's
// frame, and the tasks are awaited before that frame ends.

Task<> put_after(Queue<int>* queue, int item, Duration delay) {
  co_await sleep(delay);
  co_await queue->put(item);
}

Task<std::pair<int, double>> get_waits() {
  Queue<int> queue;
  Task<> producer = create_task(put_after(&queue, 7, 1s));
  const int item = co_await queue.get();  // the queue is empty: the task waits, the loop runs on
  const double at = now();
  co_await producer;
  co_return std::pair{item, at};
}

// get() on an empty queue suspends the task until an item is put.
TEST_F(QueueTest, GetWaitsUntilAnItemIsPut) {
  const auto [item, at] = run(get_waits(), virtual_clock());
  EXPECT_EQ(item, 7);
  EXPECT_EQ(at, 1.0);
}

Task<> take_after(Queue<int>* queue, std::vector<int>* taken, Duration delay) {
  co_await sleep(delay);
  taken->push_back(co_await queue->get());
}

Task<std::vector<double>> put_waits(std::vector<int>* taken) {
  Queue<int> queue(1);
  Task<> consumer = create_task(take_after(&queue, taken, 2s));
  std::vector<double> put_at;
  co_await queue.put(1);
  put_at.push_back(now());
  co_await queue.put(2);  // full: waits until the consumer took 1
  put_at.push_back(now());
  co_await consumer;
  taken->push_back(queue.get_nowait());
  co_return put_at;
}

// put() on a full queue (maxsize 1) suspends the task until there is room.
TEST_F(QueueTest, PutWaitsWhileTheQueueIsFull) {
  std::vector<int> taken;
  EXPECT_EQ(run(put_waits(&taken), virtual_clock()), (std::vector<double>{0.0, 2.0}));
  EXPECT_EQ(taken, (std::vector<int>{1, 2}));
}

Task<std::vector<std::string>> fifo() {
  Queue<std::string> queue;
  const std::vector<std::string> words{"first", "second", "third"};
  for (const std::string& word : words) co_await queue.put(word);
  std::vector<std::string> out;
  while (!queue.empty()) out.push_back(co_await queue.get());
  co_return out;
}

// Items come out in the order they went in.
TEST_F(QueueTest, ItemsComeOutInFifoOrder) {
  EXPECT_EQ(run(fifo(), virtual_clock()), (std::vector<std::string>{"first", "second", "third"}));
}

Task<> getter(Queue<int>* queue, std::vector<std::string>* log, std::string name) {
  const int item = co_await queue->get();
  log->push_back(name + " got " + std::to_string(item));
}

Task<> getters_in_line(std::vector<std::string>* log) {
  Queue<int> queue;
  Task<> a = create_task(getter(&queue, log, "a"));
  Task<> b = create_task(getter(&queue, log, "b"));
  Task<> c = create_task(getter(&queue, log, "c"));
  co_await sleep(1s);  // all three wait, in the order a, b, c
  for (int item = 1; item <= 3; ++item) queue.put_nowait(item);
  co_await a;
  co_await b;
  co_await c;
}

// Tasks waiting in get() are served in the order they started waiting.
TEST_F(QueueTest, WaitingGettersAreServedInArrivalOrder) {
  std::vector<std::string> log;
  run(getters_in_line(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"a got 1", "b got 2", "c got 3"}));
}

Task<std::string> nowait_errors() {
  Queue<int> queue(1);
  std::string log;
  try {
    (void)queue.get_nowait();
  } catch (const QueueEmpty&) {
    log += "QueueEmpty ";
  }
  queue.put_nowait(1);
  try {
    queue.put_nowait(2);
  } catch (const QueueFull&) {
    log += "QueueFull ";
  }
  log += std::to_string(queue.qsize()) + (queue.full() ? " full" : " not full");
  co_return log;
}

// get_nowait() on an empty queue and put_nowait() on a full one throw, and change nothing.
TEST_F(QueueTest, NowaitCallsThrowQueueEmptyAndQueueFull) {
  EXPECT_EQ(run(nowait_errors(), virtual_clock()), "QueueEmpty QueueFull 1 full");
}

Task<std::vector<std::string>> woken_getter_cancelled() {
  std::vector<std::string> log;
  Queue<int> queue;
  Task<> first = create_task(getter(&queue, &log, "first"));
  Task<> second = create_task(getter(&queue, &log, "second"));
  co_await sleep(1s);
  queue.put_nowait(42);  // wakes `first`...
  (void)first.cancel();  // ...which is cancelled before it could take the item
  try {
    co_await first;  // `second`, woken by `first` on its way out, has run by the time this returns
  } catch (const CancelledError&) {
    log.emplace_back("first cancelled");
  }
  co_await second;  // the wake-up went on to `second`, or it waits for ever
  co_return log;
}

// A getter that was woken and then cancelled hands the item on to the next getter in line (Python's
// Queue.get does the same); otherwise the item would sit in the queue while that getter sleeps.
TEST_F(QueueTest, AGetterWokenThenCancelledPassesTheItemOn) {
  EXPECT_EQ(run(woken_getter_cancelled(), virtual_clock()),
            (std::vector<std::string>{"second got 42", "first cancelled"}));
}

Task<std::vector<std::string>> woken_getter_dropped() {
  std::vector<std::string> log;
  Queue<int> queue;
  Task<> second;
  {
    Task<> first = create_task(getter(&queue, &log, "first"));
    second = create_task(getter(&queue, &log, "second"));
    co_await sleep(1s);
    queue.put_nowait(42);  // wakes `first`...
  }                        // ...whose Task is destroyed before it could run
  co_await second;
  co_return log;
}

// The same when the woken getter's Task is destroyed before it ran: the item goes to the next getter.
TEST_F(QueueTest, AGetterWokenThenDestroyedPassesTheItemOn) {
  EXPECT_EQ(run(woken_getter_dropped(), virtual_clock()), (std::vector<std::string>{"second got 42"}));
}

Task<std::pair<std::vector<std::string>, std::size_t>> waiting_getter_cancelled() {
  std::vector<std::string> log;
  Queue<int> queue;
  Task<> first = create_task(getter(&queue, &log, "first"));
  Task<> second = create_task(getter(&queue, &log, "second"));
  co_await sleep(1s);
  (void)first.cancel();  // cancelled while it waits in line
  try {
    co_await first;
  } catch (const CancelledError&) {
    log.emplace_back("first cancelled");
  }
  queue.put_nowait(7);
  co_await second;
  co_return std::pair{std::move(log), queue.qsize()};
}

// A getter cancelled while it waits leaves the line: the next item goes to the next getter.
TEST_F(QueueTest, AGetterCancelledWhileWaitingLeavesTheLine) {
  const auto [log, left] = run(waiting_getter_cancelled(), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"first cancelled", "second got 7"}));
  EXPECT_EQ(left, 0U);
}

Task<int> get_from_nobody() {
  Queue<int> queue;
  co_return co_await queue.get();
}

// A get() that nothing will ever serve: with the virtual clock the loop reports the deadlock.
TEST_F(QueueTest, AGetThatNothingWillServeRaisesDeadlockError) {
  EXPECT_THROW((void)run(get_from_nobody(), virtual_clock()), DeadlockError);
}

}  // namespace
