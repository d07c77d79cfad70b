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

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "threadlings/testing/forked_child.hpp"
#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ForkedChild;
using threadlings::testing::ObservedThread;
using threadlings::testing::wait_until_process_sleeping;
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

// A value put by a forked child is got by the parent: the queue was made before fork(), and a put
// has finished when it returns (so the parent may join first, and need not wait in its get).
TEST_F(ProcessQueueTest, ValueFromAForkedChildArrives) {
  ProcessQueue queue;
  ForkedChild child([&] {
    queue.put_value(6 * 7);
    return 0;
  });
  EXPECT_EQ(child.join(), 0);
  EXPECT_EQ(queue.get_value<int>(false), 42);
}

// Strings, structs, empty messages and messages larger than the ring all arrive whole and in order.
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
      try {
        for (long long item = queue.get_value<long long>(); item != 0; item = queue.get_value<long long>()) sum += item;
      } catch (const std::exception&) {
        totals.put_value(-1LL);  // a misread frame: the parent fails at once instead of waiting for a sum
        return 1;
      }
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
  // Join the producers, but stop at once when a consumer reports a misread frame: the producers would
  // then wait for free places for ever (a correct consumer writes to `totals` only after its stop).
  for (auto& producer : producers) {
    std::optional<int> code;
    while (!(code = producer->join(10ms)) && totals.empty()) {
    }
    ASSERT_TRUE(code.has_value()) << "a consumer misread a frame";
    EXPECT_EQ(code, 0);
  }
  for (int c = 0; c < kConsumers; ++c) queue.put_value(0LL);  // one stop per consumer
  long long sum = 0;
  for (int c = 0; c < kConsumers; ++c) sum += totals.get_value<long long>(true, 30s);
  for (auto& consumer : consumers) EXPECT_EQ(consumer->join(), 0);
  const long long n = kProducers * kItems;
  EXPECT_EQ(sum, n * (n + 1) / 2);
  EXPECT_TRUE(queue.empty());
}

// Messages larger than the ring from two writers at once arrive whole: the writer lock keeps one
// frame's pieces together (the ring fills half-way through, and the other's bytes would land between).
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

// A writer stopped (SIGSTOP) in the middle of a large frame keeps the writer lock: a second large put
// with a timeout throws Full instead of writing its bytes into the gap. Once the first writer goes
// on, its message arrives whole.
TEST_F(ProcessQueueTest, LargePutWaitsForAWriterStoppedInsideItsFrame) {
  ProcessQueue queue;
  const std::vector<std::byte> first = uniform(100'000, 1);  // more than the ring holds: its put waits
  const std::vector<std::byte> second = uniform(100'000, 2);
  ForkedChild stopped([&] {
    queue.put_bytes(first);
    return 0;
  });
  ASSERT_TRUE(wait_until_process_sleeping(stopped.pid())) << "the first writer never blocked in its write";
  ASSERT_EQ(::kill(stopped.pid(), SIGSTOP), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(stopped.pid(), &status, WUNTRACED), stopped.pid());
  ForkedChild late([&] {
    try {
      queue.put_bytes(second, true, 20ms);
    } catch (const Full&) {
      return 0;  // the writer lock was busy: right
    }
    return 1;  // it wrote while the other frame was half-way
  });
  const std::optional<int> late_result = late.join(3000ms);
  EXPECT_EQ(late_result, 0) << "a second large put did not wait for the writer lock (nullopt: it is stuck "
                               "copying into the full ring)";
  ASSERT_EQ(::kill(stopped.pid(), SIGCONT), 0);
  if (!late_result) return;  // its bytes are in the ring: what a get would read is garbage
  EXPECT_EQ(queue.get_bytes(true, 30s), first);
  EXPECT_EQ(stopped.join(), 0);
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

// Python's documented deadlock: a child puts a message larger than the ring, and the parent joins
// the child before getting. The child cannot finish its put until someone gets, so join() with a
// timeout finds it still alive. The fix: get first, then join.
TEST_F(ProcessQueueTest, ChildPuttingMoreThanTheRingHoldsEndsOnlyAfterTheParentGets) {
  ProcessQueue queue;
  const std::vector<std::byte> big = uniform(1 << 20, 9);  // 1 MiB, made before fork
  ForkedChild child([&] {
    queue.put_bytes(big);
    return 0;
  });
  EXPECT_TRUE(wait_until_process_sleeping(child.pid())) << "the child never blocked in its put";
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

// ---- The ring: a stream of bytes in shared memory, frames wrapping around its end. ----

// A message whose bytes depend on its index and their place: a frame cut, shifted or mixed shows.
std::vector<std::byte> numbered(std::size_t size, int index) {
  std::vector<std::byte> message(size);
  for (std::size_t i = 0; i < size; ++i) message[i] = static_cast<std::byte>((i * 7 + static_cast<std::size_t>(index)) & 0xff);
  return message;
}

// Frames of every size wrap around the ring's end, some inside their header. Sizes around the ring's
// 64 KiB test both ways of getting a frame: whole at once (up to the ring's size), and piece by piece
// while its writer waits for room (larger).
TEST_F(ProcessQueueTest, FramesWrappingAroundTheRingArriveWhole) {
  const std::vector<std::size_t> sizes{5000, 3, 9000, 20'000, 60'000, 65'528, 65'529, 100, 70'000, 4088, 4089, 1, 0, 33'333};
  ProcessQueue queue;
  ForkedChild child([&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) queue.put_bytes(numbered(sizes[i], static_cast<int>(i)));
    return 0;
  });
  ASSERT_TRUE(wait_until_process_sleeping(child.pid())) << "the child never filled the ring";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(queue.get_bytes(), numbered(sizes[i], static_cast<int>(i))) << "message " << i;
    if (HasFailure()) return;
  }
  EXPECT_EQ(child.join(), 0);
  EXPECT_TRUE(queue.empty());
}

// Consumer processes take turns on one ring: a first consumer takes 3 messages and exits, a second
// takes 3 more, the parent takes the rest. Every message arrives once, in order, and none waits:
// get(block=False).
TEST_F(ProcessQueueTest, ConsumerProcessesTakeTurnsOnOneRing) {
  constexpr int kItems = 20;
  ProcessQueue queue;
  ProcessQueue answers;
  for (int i = 0; i < kItems; ++i) queue.put_value(i);
  auto take_three = [&] {
    for (int n = 0; n < 3; ++n) answers.put_value(queue.get_value<int>(false));
    return 0;
  };
  {
    ForkedChild first(take_three);
    EXPECT_EQ(first.join(), 0);
  }
  {
    ForkedChild second(take_three);
    EXPECT_EQ(second.join(), 0);
  }
  std::vector<int> got;
  while (!answers.empty()) got.push_back(answers.get_value<int>(false));
  ASSERT_EQ(got.size(), 6U) << "a consumer found its get empty";
  for (int i = 6; i < kItems; ++i) got.push_back(queue.get_value<int>(false));
  std::vector<int> expected;
  for (int i = 0; i < kItems; ++i) expected.push_back(i);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.qsize(), 0U);
}

// Two threads of one process get from a producer process: each message is got once (the ring's front
// is touched only under the reader lock, which works between threads too).
TEST_F(ProcessQueueTest, ThreadsOfOneProcessShareTheRing) {
  constexpr long long kItems = 2000;
  ProcessQueue queue(64);
  ForkedChild producer([&] {
    for (long long i = 1; i <= kItems; ++i) queue.put_value(i);
    queue.put_value(0LL);
    queue.put_value(0LL);
    return 0;
  });
  long long first_sum = 0;
  long long second_sum = 0;
  auto consume = [&](long long& sum) {
    for (long long item = queue.get_value<long long>(); item != 0; item = queue.get_value<long long>()) sum += item;
  };
  ObservedThread first([&] { consume(first_sum); });
  ObservedThread second([&] { consume(second_sum); });
  first.join();
  second.join();
  EXPECT_EQ(first_sum + second_sum, kItems * (kItems + 1) / 2);
  EXPECT_EQ(producer.join(), 0);
  EXPECT_TRUE(queue.empty());
}

// A whole frame waiting behind the one just got is a message: empty() is false and qsize() counts it.
TEST_F(ProcessQueueTest, EmptyIsFalseWhileAWholeFrameWaits) {
  ProcessQueue queue;
  queue.put_value(1);
  queue.put_value(2);
  EXPECT_EQ(queue.get_value<int>(), 1);
  EXPECT_FALSE(queue.empty());
  EXPECT_EQ(queue.qsize(), 1U);
  EXPECT_EQ(queue.get_value<int>(false), 2);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.qsize(), 0U);
}

// Half a frame has arrived and the writer is stopped (SIGSTOP) before the rest: a get with a timeout
// gives up with Empty, takes nothing out, and once the writer goes on a get returns the whole message.
// empty() counts whole frames only, so it is true meanwhile.
TEST_F(ProcessQueueTest, TimedGetWithHalfAFrameInTheRingThrowsEmptyAndKeepsIt) {
  // 15 frames of one page each (4096 bytes) leave one page free in the 64 KiB ring.
  constexpr int kPages = 15;
  ProcessQueue queue;
  for (int i = 0; i < kPages; ++i) queue.put_bytes(uniform(4096 - ProcessQueue::kHeaderSize, 1 + i));
  const std::vector<std::byte> half_sent = numbered(32'000, 5);  // made before fork
  ForkedChild writer([&] {
    queue.put_bytes(half_sent);  // the header and a page of payload go in; then the put waits
    return 0;
  });
  ASSERT_TRUE(wait_until_process_sleeping(writer.pid())) << "the writer never blocked in its put";
  ASSERT_EQ(::kill(writer.pid(), SIGSTOP), 0);
  // Stopped for sure before anything is got: a writer woken by the signal while its ring has room again
  // would write more before it stops.
  int status = 0;
  ASSERT_EQ(::waitpid(writer.pid(), &status, WUNTRACED), writer.pid());
  ASSERT_TRUE(WIFSTOPPED(status));
  for (int i = 0; i < kPages; ++i) {
    const std::vector<std::byte> page = queue.get_bytes(true, 30s);
    EXPECT_EQ(page, uniform(4096 - ProcessQueue::kHeaderSize, 1 + i));
  }
  // Only the start of the 32 000-byte frame is there, and the stopped writer adds nothing.
  EXPECT_THROW((void)queue.get_bytes(true, 20ms), Empty);
  EXPECT_THROW((void)queue.get_bytes(false), Empty);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.qsize(), 1U);
  ASSERT_EQ(::kill(writer.pid(), SIGCONT), 0);
  EXPECT_EQ(queue.get_bytes(true, 30s), half_sent);
  EXPECT_EQ(writer.join(), 0);
}

}  // namespace
