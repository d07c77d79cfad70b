// Tests of lesson 08's ProcessQueue (Python's multiprocessing.Queue, for processes made with fork).
// Every test that forks derives from NoLeaksTest: no child and no descriptor may outlive it.
#include "process_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using lesson08_test::ForkedChild;
using lesson08_test::wait_until_process_sleeping;
using threadlings::lesson08::ClosedError;
using threadlings::lesson08::Empty;
using threadlings::lesson08::Full;
using threadlings::lesson08::MessageSizeError;
using threadlings::lesson08::ProcessQueue;

class ProcessQueueTest : public threadlings::testing::NoLeaksTest {};

// `size` bytes all equal to `fill`: a message whose every byte says who sent it.
std::vector<std::byte> uniform(std::size_t size, int fill) {
  return std::vector<std::byte>(size, static_cast<std::byte>(fill));
}

// Whether every byte of `message` is the same (false for an empty one).
bool is_uniform(const std::vector<std::byte>& message) {
  for (const std::byte b : message) {
    if (b != message.front()) return false;
  }
  return !message.empty();
}

// A plain struct crosses as its bytes.
struct Point {
  int x;
  double y;
};

// A value put by a forked child is got by the parent: the queue was made before fork().
TEST_F(ProcessQueueTest, ValueFromAForkedChildArrives) {
  ProcessQueue queue;
  ForkedChild child([&] {
    queue.put_value(6 * 7);
    return 0;
  });
  EXPECT_EQ(queue.get_value<int>(), 42);
  EXPECT_EQ(child.join(), 0);
}

// Strings, structs, empty messages and messages over PIPE_BUF all arrive whole and in order.
TEST_F(ProcessQueueTest, StringsStructsAndLargeMessagesArriveWhole) {
  ProcessQueue queue;
  ForkedChild child([&] {
    queue.put_string("hello");
    queue.put_string("");
    queue.put_value(Point{3, 0.5});
    queue.put_bytes(uniform(100'000, 7));
    return 0;
  });
  EXPECT_EQ(queue.get_string(), "hello");
  EXPECT_EQ(queue.get_string(), "");
  const Point point = queue.get_value<Point>();
  EXPECT_EQ(point.x, 3);
  EXPECT_EQ(point.y, 0.5);
  const std::vector<std::byte> large = queue.get_bytes();
  EXPECT_EQ(large.size(), 100'000U);
  EXPECT_TRUE(is_uniform(large));
  EXPECT_EQ(child.join(), 0);
}

// get_value<T>() of a message that is not sizeof(T) bytes throws MessageSizeError.
TEST_F(ProcessQueueTest, GetValueOfAnotherSizeThrowsMessageSizeError) {
  ProcessQueue queue;
  queue.put_value(std::int32_t{1});
  EXPECT_THROW((void)queue.get_value<double>(), MessageSizeError);
}

// get() on an empty queue without blocking, or with a timeout that runs out, throws Empty.
TEST_F(ProcessQueueTest, GetOnAnEmptyQueueThrowsEmpty) {
  ProcessQueue queue;
  EXPECT_THROW((void)queue.get_bytes(false), Empty);
  EXPECT_THROW((void)queue.get_bytes(true, 1ms), Empty);
  EXPECT_TRUE(queue.empty());
}

// put() on a full queue without blocking, or with a timeout that runs out, throws Full and adds nothing.
TEST_F(ProcessQueueTest, PutOnAFullQueueThrowsFull) {
  ProcessQueue queue(2);
  queue.put_value(1);
  queue.put_value(2);
  EXPECT_THROW(queue.put_value(3, false), Full);
  EXPECT_THROW(queue.put_value(3, true, 1ms), Full);
  EXPECT_EQ(queue.get_value<int>(), 1);
  EXPECT_EQ(queue.get_value<int>(), 2);
  EXPECT_THROW((void)queue.get_value<int>(false), Empty);
}

// A negative timeout throws std::invalid_argument, as Python's ValueError.
TEST_F(ProcessQueueTest, NegativeTimeoutThrowsInvalidArgument) {
  ProcessQueue queue(1);
  EXPECT_THROW((void)queue.get_bytes(true, -1ms), std::invalid_argument);
  EXPECT_THROW(queue.put_value(1, true, -1ms), std::invalid_argument);
}

// qsize(), full() and empty() count the messages of every process: a child's two puts fill the bound.
TEST_F(ProcessQueueTest, QsizeAndFullCountMessagesOfEveryProcess) {
  ProcessQueue queue(2);
  ForkedChild child([&] {
    queue.put_value(1);
    queue.put_value(2);
    return 0;
  });
  ASSERT_EQ(child.join(), 0);
  EXPECT_EQ(queue.qsize(), 2U);
  EXPECT_TRUE(queue.full());
  EXPECT_FALSE(queue.empty());
  EXPECT_EQ(queue.get_value<int>(), 1);
  EXPECT_EQ(queue.qsize(), 1U);
  EXPECT_FALSE(queue.full());
}

// A child's put() on a full queue waits for a free place, and goes on once the parent gets.
TEST_F(ProcessQueueTest, BlockedPutResumesWhenAnotherProcessGets) {
  ProcessQueue queue(1);
  queue.put_value(1);
  ForkedChild child([&] {
    queue.put_value(2);  // waits: the one place is taken
    return 0;
  });
  EXPECT_TRUE(wait_until_process_sleeping(child.pid()));
  EXPECT_EQ(child.join(0ms), std::nullopt) << "put() went past the bound";
  EXPECT_EQ(queue.get_value<int>(), 1);
  EXPECT_EQ(queue.get_value<int>(), 2);
  EXPECT_EQ(child.join(), 0);
}

// Three producer and two consumer processes share one small queue: every message arrives once.
TEST_F(ProcessQueueTest, ManyProducerAndConsumerProcessesDeliverEachMessageOnce) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 2;
  constexpr long long kItems = 400;
  ProcessQueue queue(8);
  ProcessQueue totals;  // each consumer's sum comes back here
  std::vector<std::unique_ptr<ForkedChild>> producers;
  std::vector<std::unique_ptr<ForkedChild>> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(std::make_unique<ForkedChild>([&] {
      long long sum = 0;
      for (long long item = queue.get_value<long long>(); item != 0; item = queue.get_value<long long>()) sum += item;
      totals.put_value(sum);
      return 0;
    }));
  }
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::make_unique<ForkedChild>([&, p] {
      for (long long i = 1; i <= kItems; ++i) queue.put_value(p * kItems + i);
      return 0;
    }));
  }
  for (auto& producer : producers) EXPECT_EQ(producer->join(), 0);
  for (int c = 0; c < kConsumers; ++c) queue.put_value(0LL);  // one stop per consumer
  long long sum = 0;
  for (int c = 0; c < kConsumers; ++c) sum += totals.get_value<long long>(true, 30s);
  for (auto& consumer : consumers) EXPECT_EQ(consumer->join(), 0);
  const long long n = kProducers * kItems;
  EXPECT_EQ(sum, n * (n + 1) / 2);
  EXPECT_TRUE(queue.empty());
}

// Messages larger than the pipe from two writers at once arrive whole: the writer lock keeps one
// frame's pieces together (a write over PIPE_BUF may be split, and the other's bytes land between).
TEST_F(ProcessQueueTest, LargeMessagesFromTwoWritersArriveWhole) {
  constexpr int kMessages = 12;
  ProcessQueue queue;
  std::vector<std::unique_ptr<ForkedChild>> writers;
  for (int w = 0; w < 2; ++w) {
    writers.push_back(std::make_unique<ForkedChild>([&, w] {
      for (int i = 0; i < kMessages; ++i) queue.put_bytes(uniform(100'000, 1 + w * kMessages + i));
      return 0;
    }));
  }
  int whole = 0;
  for (int i = 0; i < 2 * kMessages; ++i) {
    const std::vector<std::byte> message = queue.get_bytes(true, 30s);
    if (message.size() == 100'000 && is_uniform(message)) ++whole;
  }
  EXPECT_EQ(whole, 2 * kMessages) << "frames of the two writers were mixed";
  for (auto& writer : writers) EXPECT_EQ(writer->join(), 0);
}

// Two readers waiting at once: each gets one whole message. The reader lock is held from a frame's
// header to its last byte; without it, the second reader reads the first one's payload as a header.
TEST_F(ProcessQueueTest, TwoWaitingReadersEachGetAWholeMessage) {
  for (int round = 0; round < 3; ++round) {
    ProcessQueue queue;
    ProcessQueue answers;
    auto reader = [&] {
      try {
        answers.put_string(queue.get_string());
      } catch (const std::exception& error) {
        answers.put_string(std::string("error: ") + error.what());
      }
      return 0;
    };
    ForkedChild first(reader);
    ForkedChild second(reader);
    ASSERT_TRUE(wait_until_process_sleeping(first.pid()));
    ASSERT_TRUE(wait_until_process_sleeping(second.pid()));
    queue.put_string("AAAAAAAAAAAAAAAA");
    queue.put_string("BBBBBBBBBBBBBBBB");
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) {
      try {
        got.push_back(answers.get_string(true, 2s));
      } catch (const Empty&) {
        got.push_back("(no answer: a reader is stuck inside a misread frame)");
      }
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBB"})) << "round " << round;
    if (HasFailure()) return;  // the children are killed and reaped by their destructors
    EXPECT_EQ(first.join(), 0);
    EXPECT_EQ(second.join(), 0);
  }
}

// Python's documented deadlock: a child puts a message larger than the pipe, and the parent joins
// the child before getting. The child cannot finish its write until someone reads, so join() with a
// timeout finds it still alive. The fix: get first, then join.
TEST_F(ProcessQueueTest, ChildPuttingMoreThanThePipeHoldsEndsOnlyAfterTheParentGets) {
  ProcessQueue queue;
  const std::vector<std::byte> big = uniform(1 << 20, 9);  // 1 MiB, made before fork
  ForkedChild child([&] {
    queue.put_bytes(big);
    return 0;
  });
  EXPECT_TRUE(wait_until_process_sleeping(child.pid())) << "the child never blocked in its write";
  EXPECT_EQ(child.join(20ms), std::nullopt) << "the child ended before anyone read its message";
  const std::vector<std::byte> message = queue.get_bytes();  // the fix: get first ...
  EXPECT_EQ(message.size(), big.size());
  EXPECT_TRUE(is_uniform(message));
  EXPECT_EQ(child.join(), 0);  // ... then join
}

// After close() this process can neither put nor get; closing twice is harmless. Others are unaffected.
TEST_F(ProcessQueueTest, CloseEndsThisProcesssUseOnly) {
  ProcessQueue queue;
  ForkedChild child([&] {
    queue.close();
    queue.close();
    try {
      queue.put_value(1);
    } catch (const ClosedError&) {
      return 0;
    }
    return 1;
  });
  EXPECT_EQ(child.join(), 0);
  EXPECT_FALSE(queue.closed());
  queue.put_value(2);  // the parent's ends are still open
  EXPECT_EQ(queue.get_value<int>(), 2);
  queue.close();
  EXPECT_TRUE(queue.closed());
  EXPECT_THROW(queue.put_value(3), ClosedError);
  EXPECT_THROW((void)queue.get_bytes(), ClosedError);
}

}  // namespace
