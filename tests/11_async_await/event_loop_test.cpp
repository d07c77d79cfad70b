// Tests of lesson 11's EventLoop on its own: the ready queue, the timer heap and the virtual clock,
// the thread rules, epoll on real pipes, EINTR, the worker threads, and what close() releases.
// No coroutines here: only callbacks, as asyncio's own loop tests do.
#include "event_loop.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include "test_support.hpp"
#include "threadlings/testing/interrupting_signal.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using lesson11_test::seconds;
using lesson11_test::virtual_clock;
using threadlings::testing::current_tid;
using threadlings::testing::thread_count;
using threadlings::testing::wait_until_blocked;

// Every loop owns an epoll descriptor and an eventfd: each test checks that they are closed again.
class EventLoopTest : public threadlings::testing::NoLeaksTest {};

// Spins (no sleep) until `loop` runs in another thread: then its calls from here are refused.
void wait_until_running(const EventLoop& loop) {
  while (!loop.is_running()) std::this_thread::yield();
}

// call_soon() callbacks run in the order they were scheduled.
TEST_F(EventLoopTest, CallSoonRunsCallbacksInTheOrderTheyWereScheduled) {
  EventLoop loop(virtual_clock());
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) loop.call_soon([&order, i] { order.push_back(i); });
  loop.call_soon([&loop] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

// An iteration runs what was ready when it began: a callback scheduled by a callback waits for the
// next one (stop() ends run_forever() after the current iteration, as in Python).
TEST_F(EventLoopTest, ACallbackScheduledByACallbackRunsInTheNextIteration) {
  EventLoop loop(virtual_clock());
  bool second_ran = false;
  loop.call_soon([&] {
    loop.call_soon([&] { second_ran = true; });
    loop.stop();
  });
  loop.run_forever();
  EXPECT_FALSE(second_ran) << "a callback queued during an iteration ran in that same iteration";
  loop.stop();
  loop.run_forever();  // one more iteration
  EXPECT_TRUE(second_ran);
}

// Timers fire by deadline, not by the order they were set; the virtual clock jumps from one deadline to
// the next, so 3, 1 and 2 seconds fire as 1, 2, 3 at virtual time 3 at once.
TEST_F(EventLoopTest, TimersFireInDeadlineOrderOnTheVirtualClock) {
  EventLoop loop(virtual_clock());
  std::vector<double> fired;
  for (int s : {3, 1, 2}) loop.call_later(std::chrono::seconds(s), [&] { fired.push_back(seconds(loop.time())); });
  loop.call_later(4s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(fired, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(seconds(loop.time()), 4.0);
}

// Timers with the same deadline fire in the order they were set (a heap alone is not stable).
TEST_F(EventLoopTest, TimersWithEqualDeadlinesFireInTheOrderTheyWereSet) {
  EventLoop loop(virtual_clock());
  std::vector<int> fired;
  for (int i = 0; i < 16; ++i) {
    loop.call_later(i % 2 == 0 ? 1s : 2s, [&fired, i] { fired.push_back(i); });
  }
  loop.call_later(3s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(fired, (std::vector<int>{0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15}));
}

// A cancelled timer never runs, and the clock does not stop at its deadline.
TEST_F(EventLoopTest, ACancelledTimerNeverRuns) {
  EventLoop loop(virtual_clock());
  bool ran = false;
  Handle timer = loop.call_later(1s, [&] { ran = true; });
  loop.call_later(2s, [&] { loop.stop(); });
  timer.cancel();
  EXPECT_TRUE(timer.cancelled());
  loop.run_forever();
  EXPECT_FALSE(ran);
  EXPECT_EQ(seconds(loop.time()), 2.0);
}

// call_at() takes an absolute time of the loop's clock; call_later(0) is the next iteration.
TEST_F(EventLoopTest, CallAtUsesTheLoopsOwnClock) {
  EventLoop loop(std::make_unique<VirtualClock>(10s));
  std::vector<double> fired;
  loop.call_at(12s, [&] { fired.push_back(seconds(loop.time())); });
  loop.call_later(0s, [&] { fired.push_back(seconds(loop.time())); });
  loop.call_at(13s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(fired, (std::vector<double>{10.0, 12.0}));
}

// With a virtual clock and nothing that could ever happen, the loop says so instead of hanging.
TEST_F(EventLoopTest, AVirtualClockLoopWithNothingLeftToDoThrowsDeadlockError) {
  EventLoop loop(virtual_clock());
  loop.call_soon([] {});
  EXPECT_THROW(loop.run_forever(), DeadlockError);
  EXPECT_FALSE(loop.is_running());
}

// run_forever() of a loop that is running (from one of its callbacks) is refused.
TEST_F(EventLoopTest, RunningALoopThatIsRunningThrowsEventLoopError) {
  EventLoop loop(virtual_clock());
  bool refused = false;
  loop.call_soon([&] {
    try {
      loop.run_forever();
    } catch (const EventLoopError&) {
      refused = true;
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(refused);
  EXPECT_FALSE(loop.is_running());
}

// A second loop cannot run in a thread that runs one (asyncio: "Cannot run the event loop while
// another loop is running").
TEST_F(EventLoopTest, RunningASecondLoopInTheSameThreadThrowsEventLoopError) {
  EventLoop loop(virtual_clock());
  bool refused = false;
  loop.call_soon([&] {
    EventLoop other(virtual_clock());
    try {
      other.run_forever();
    } catch (const EventLoopError&) {
      refused = true;
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(refused);
}

// While the loop runs, its calls are for its own thread; another thread gets EventLoopError.
TEST_F(EventLoopTest, CallSoonFromAnotherThreadWhileTheLoopRunsThrowsEventLoopError) {
  EventLoop loop;
  bool refused = false;  // written by the helper, read after join()
  std::thread helper([&] {
    wait_until_running(loop);
    try {
      loop.call_soon([] {});
    } catch (const EventLoopError&) {
      refused = true;
    }
    loop.call_soon_threadsafe([&loop] { loop.stop(); });
  });
  loop.run_forever();  // waits in epoll_wait() until the helper's threadsafe call
  helper.join();
  EXPECT_TRUE(refused);
}

// call_soon_threadsafe() wakes a loop that is blocked in epoll_wait() with nothing else to do.
TEST_F(EventLoopTest, CallSoonThreadsafeWakesALoopBlockedInEpollWait) {
  EventLoop loop;
  const pid_t loop_tid = current_tid();
  std::thread::id ran_on;
  std::thread helper([&] {
    wait_until_running(loop);
    (void)wait_until_blocked(loop_tid);  // in epoll_wait(), with no timer to end it
    loop.call_soon_threadsafe([&] {
      ran_on = std::this_thread::get_id();
      loop.stop();
    });
  });
  loop.run_forever();
  helper.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id()) << "the callback must run on the loop's thread";
}

// call_soon_threadsafe() on a closed loop is refused (asyncio: "Event loop is closed").
TEST_F(EventLoopTest, CallSoonThreadsafeOnAClosedLoopThrowsEventLoopError) {
  EventLoop loop(virtual_clock());
  loop.close();
  EXPECT_TRUE(loop.is_closed());
  EXPECT_THROW(loop.call_soon_threadsafe([] {}), EventLoopError);
  EXPECT_THROW(loop.call_soon([] {}), EventLoopError);
  loop.close();  // twice: nothing happens
}

// add_reader(): the callback runs once the pipe has data.
TEST_F(EventLoopTest, AddReaderRunsTheCallbackWhenAPipeBecomesReadable) {
  EventLoop loop;
  threadlings::Pipe pipe = threadlings::make_pipe();
  const int fd = pipe.read_end.get();
  std::string received;
  loop.add_reader(fd, [&] {
    char buffer[16];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) received.assign(buffer, static_cast<std::size_t>(n));
    loop.remove_reader(fd);
    loop.stop();
  });
  EXPECT_TRUE(loop.has_reader(fd));
  loop.call_soon([&] { ASSERT_EQ(::write(pipe.write_end.get(), "ping", 4), 4); });
  loop.run_forever();
  EXPECT_EQ(received, "ping");
  EXPECT_FALSE(loop.has_reader(fd));
}

// Level-triggered, as Python's selectors: unread data makes the reader run every iteration until it
// is removed; after remove_reader() it never runs again.
TEST_F(EventLoopTest, AReaderRunsEachIterationUntilRemoved) {
  EventLoop loop;
  threadlings::Pipe pipe = threadlings::make_pipe();
  const int fd = pipe.read_end.get();
  ASSERT_EQ(::write(pipe.write_end.get(), "x", 1), 1);
  int calls = 0;
  loop.add_reader(fd, [&] {
    if (++calls == 3) {
      EXPECT_TRUE(loop.remove_reader(fd));
      loop.call_soon([&] { loop.call_soon([&] { loop.stop(); }); });  // two more iterations
    }
  });
  loop.run_forever();
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(loop.remove_reader(fd));
}

// add_writer(): an empty pipe is writable at once.
TEST_F(EventLoopTest, AddWriterRunsTheCallbackWhenThePipeHasRoom) {
  EventLoop loop;
  threadlings::Pipe pipe = threadlings::make_pipe();
  const int fd = pipe.write_end.get();
  bool called = false;
  loop.add_writer(fd, [&] {
    called = true;
    loop.remove_writer(fd);
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(called);
}

// epoll cannot watch a regular file (it is always "ready"): add_reader() says so with EPERM.
TEST_F(EventLoopTest, AddReaderOfARegularFileThrowsSystemError) {
  EventLoop loop(virtual_clock());
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = fileno(file);
  try {
    loop.add_reader(fd, [] {});
    ADD_FAILURE() << "add_reader() of a regular file did not throw";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EPERM) << error.what();
  }
  EXPECT_FALSE(loop.has_reader(fd));
  std::fclose(file);
}

// A signal that interrupts epoll_wait() (EINTR) is not an error: the loop goes on and still sees the
// descriptor become ready.
TEST_F(EventLoopTest, EpollWaitInterruptedByASignalIsNotAnError) {
  threadlings::testing::InterruptingSignal interrupting;
  EventLoop loop;
  threadlings::Pipe pipe = threadlings::make_pipe();
  const int fd = pipe.read_end.get();
  bool read_it = false;
  loop.add_reader(fd, [&] {
    char c = 0;
    read_it = ::read(fd, &c, 1) == 1;
    loop.remove_reader(fd);
    loop.stop();
  });
  const pid_t loop_tid = current_tid();
  const pthread_t loop_thread = pthread_self();
  std::thread helper([&] {
    wait_until_running(loop);
    (void)wait_until_blocked(loop_tid);    // in epoll_wait()
    interrupting.interrupt(loop_thread);   // epoll_wait() returns -1, EINTR
    (void)wait_until_blocked(loop_tid);    // back in epoll_wait() (a loop that threw would not be)
    ASSERT_EQ(::write(pipe.write_end.get(), "!", 1), 1);
  });
  EXPECT_NO_THROW(loop.run_forever());
  helper.join();
  EXPECT_TRUE(read_it);
}

// run_in_thread(): the work runs on a worker thread, `done` on the loop's thread with its exception.
TEST_F(EventLoopTest, RunInThreadRunsWorkOnAWorkerAndDoneOnTheLoopThread) {
  EventLoop loop(virtual_clock());
  std::thread::id worked_on;
  std::thread::id done_on;
  std::string error;
  loop.run_in_thread([&] { worked_on = std::this_thread::get_id(); },
                     [&](std::exception_ptr) {
                       done_on = std::this_thread::get_id();
                       loop.run_in_thread([] { throw std::runtime_error("boom"); },
                                          [&](std::exception_ptr e) {
                                            try {
                                              if (e) std::rethrow_exception(e);
                                            } catch (const std::runtime_error& caught) {
                                              error = caught.what();
                                            }
                                            loop.stop();
                                          });
                     });
  loop.run_forever();
  EXPECT_NE(worked_on, std::this_thread::get_id());
  EXPECT_NE(worked_on, std::thread::id());
  EXPECT_EQ(done_on, std::this_thread::get_id());
  EXPECT_EQ(error, "boom");
}

// Closing the loop joins its worker threads (and, checked by the fixture, closes its descriptors).
TEST_F(EventLoopTest, DestroyingTheLoopJoinsItsWorkerThreads) {
  const std::size_t before = thread_count();
  {
    EventLoop loop(virtual_clock(), 3);
    int done = 0;
    for (int i = 0; i < 3; ++i) {
      loop.run_in_thread([] {}, [&](std::exception_ptr) {
        if (++done == 3) loop.stop();
      });
    }
    loop.run_forever();
    EXPECT_GT(thread_count(), before);
  }
  EXPECT_EQ(thread_count(), before);
}

}  // namespace
