// Lesson 10: ThreadPoolExecutor. Tasks wait on Signals the test releases, so every interleaving is
// chosen by the test; the only timeouts are the self-deadlock's (which is what that pitfall is about).
#include "thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sched.h>

#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson10;
using threadlings::testing::ReleaseOnExit;
using threadlings::testing::Signal;

// Spins (yielding) until `condition` holds: for states the test cannot wait on otherwise.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// submit() runs the call with its arguments; result() returns its value.
TEST(ThreadPool, SubmitRunsTheCallWithItsArguments) {
  ThreadPoolExecutor pool(2);
  Future<int> f = pool.submit([](int a, int b) { return a * b; }, 6, 7);
  EXPECT_EQ(f.result(10s), 42);
  Future<std::string> s = pool.submit([](const std::string& x) { return x + "!"; }, std::string("hi"));
  EXPECT_EQ(s.result(10s), "hi!");
}

// An exception thrown by the call comes back from result().
TEST(ThreadPool, TaskExceptionIsRethrownByResult) {
  ThreadPoolExecutor pool(1);
  Future<int> f = pool.submit([]() -> int { throw std::out_of_range("no such item"); });
  EXPECT_THROW((void)f.result(10s), std::out_of_range);
  EXPECT_NE(f.exception(), nullptr);
}

// map() returns results in input order even when they finish in reverse order.
TEST(ThreadPool, MapReturnsResultsInInputOrder) {
  ThreadPoolExecutor pool(3);
  Signal release[3];
  ReleaseOnExit guards[] = {ReleaseOnExit(release[0]), ReleaseOnExit(release[1]), ReleaseOnExit(release[2])};
  std::atomic<int> finished{0};
  std::vector<int> results;
  std::thread caller([&] {
    results = pool.map(
        [&](int i) {
          release[i].wait();
          ++finished;
          return i * 10;
        },
        std::vector<int>{0, 1, 2});
  });
  release[2].notify();
  ASSERT_TRUE(eventually([&] { return finished == 1; }));
  release[1].notify();
  ASSERT_TRUE(eventually([&] { return finished == 2; }));
  release[0].notify();
  caller.join();
  EXPECT_EQ(results, (std::vector<int>{0, 10, 20}));
}

// map() rethrows the first failure in input order.
TEST(ThreadPool, MapRethrowsTheFirstErrorInInputOrder) {
  ThreadPoolExecutor pool(2);
  std::exception_ptr error;
  try {
    (void)pool.map(
        [](int i) {
          if (i >= 2) throw std::runtime_error("item " + std::to_string(i));
          return i;
        },
        std::vector<int>{0, 1, 2, 3});
  } catch (...) {
    error = std::current_exception();
  }
  // Read the exception only after the workers are joined: a worker may drop the last reference to a
  // task (and its exception_ptr) late, and ThreadSanitizer cannot see libstdc++'s reference counting.
  pool.shutdown();
  ASSERT_NE(error, nullptr) << "map() returned";
  try {
    std::rethrow_exception(error);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 2");
  }
}

// map() with a timeout throws TimeoutError and cancels what has not started.
TEST(ThreadPool, MapTimeoutThrowsAndCancelsTheRest) {
  ThreadPoolExecutor pool(1);
  Signal release;
  ReleaseOnExit guard(release);
  std::atomic<int> others_ran{0};
  EXPECT_THROW((void)pool.map(
                   [&](int i) {
                     if (i == 0) release.wait();  // holds the only worker past the time limit
                     else ++others_ran;
                     return i;
                   },
                   std::vector<int>{0, 1, 2}, 1ms),
               TimeoutError);
  release.notify();
  pool.shutdown();
  EXPECT_EQ(others_ran, 0);
}

// submit() after shutdown() throws ExecutorShutdownError.
TEST(ThreadPool, SubmitAfterShutdownThrows) {
  ThreadPoolExecutor pool(1);
  pool.shutdown();
  EXPECT_THROW((void)pool.submit([] { return 1; }), ExecutorShutdownError);
  pool.shutdown();  // a second shutdown is harmless
}

// shutdown(wait=true) blocks until every queued call has run.
TEST(ThreadPool, ShutdownWaitRunsQueuedTasks) {
  ThreadPoolExecutor pool(1);
  Signal release;
  std::atomic<int> ran{0};
  std::vector<Future<void>> fs;
  fs.push_back(pool.submit([&] {
    release.wait();
    ++ran;
  }));
  for (int i = 0; i < 3; ++i) fs.push_back(pool.submit([&] { ++ran; }));
  threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  pool.shutdown(true);
  EXPECT_EQ(ran, 4);
  for (const auto& f : fs) EXPECT_TRUE(f.done());
}

// shutdown(cancel_futures=true) cancels the queued calls; the running one finishes.
TEST(ThreadPool, ShutdownCancelFuturesCancelsPendingOnes) {
  ThreadPoolExecutor pool(1);
  Signal started;
  Signal release;
  ReleaseOnExit guard(release);
  Future<int> running = pool.submit([&] {
    started.notify();
    release.wait();
    return 1;
  });
  Future<int> queued1 = pool.submit([] { return 2; });
  Future<int> queued2 = pool.submit([] { return 3; });
  started.wait();
  pool.shutdown(false, true);
  EXPECT_TRUE(queued1.cancelled());
  EXPECT_TRUE(queued2.cancelled());
  release.notify();
  EXPECT_EQ(running.result(10s), 1);
}

// The destructor waits for every submitted call.
TEST(ThreadPool, DestructorWaitsForQueuedTasks) {
  std::atomic<int> ran{0};
  {
    ThreadPoolExecutor pool(2);
    for (int i = 0; i < 20; ++i) (void)pool.submit([&] { ++ran; });
  }
  EXPECT_EQ(ran, 20);
}

// A call that is running cannot be cancelled.
TEST(ThreadPool, RunningFutureCannotBeCancelled) {
  ThreadPoolExecutor pool(1);
  Signal started;
  Signal release;
  ReleaseOnExit guard(release);
  Future<int> f = pool.submit([&] {
    started.notify();
    release.wait();
    return 1;
  });
  started.wait();
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.cancel());
  release.notify();
  EXPECT_EQ(f.result(10s), 1);
}

// A call cancelled while queued never runs.
TEST(ThreadPool, CancelledPendingCallNeverRuns) {
  ThreadPoolExecutor pool(1);
  Signal release;
  ReleaseOnExit guard(release);
  Future<void> blocker = pool.submit([&] { release.wait(); });
  std::atomic<bool> ran{false};
  Future<void> victim = pool.submit([&] { ran = true; });
  EXPECT_TRUE(victim.cancel());
  release.notify();
  pool.shutdown();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(victim.cancelled());
}

// Zero workers is refused, as Python's ValueError.
TEST(ThreadPool, ZeroWorkersThrowsInvalidArgument) {
  EXPECT_THROW(ThreadPoolExecutor(0), std::invalid_argument);
}

// The default is min(32, CPUs this thread may use + 4): with an affinity of one CPU, 5.
TEST(ThreadPool, DefaultMaxWorkersFollowsTheAffinityMask) {
  cpu_set_t before;
  ASSERT_EQ(::sched_getaffinity(0, sizeof before, &before), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &before)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  const std::size_t cpus = process_cpu_count();
  const std::size_t workers = ThreadPoolExecutor().max_workers();
  ASSERT_EQ(::sched_setaffinity(0, sizeof before, &before), 0);
  EXPECT_EQ(cpus, 1U);
  EXPECT_EQ(workers, 5U);
  EXPECT_EQ(ThreadPoolExecutor::default_max_workers(), std::min<std::size_t>(32, static_cast<std::size_t>(CPU_COUNT(&before)) + 4));
}

// Workers start lazily, and only when none is idle: one worker serves calls made one after another.
TEST(ThreadPool, ReusesAnIdleWorkerInsteadOfStartingOne) {
  ThreadPoolExecutor pool(4);
  EXPECT_EQ(pool.thread_count(), 0U);
  const auto before = threadlings::testing::thread_ids();
  EXPECT_EQ(pool.submit([] { return 1; }).result(10s), 1);
  const auto worker = threadlings::testing::thread_started_since(before);
  ASSERT_TRUE(worker.has_value());
  ASSERT_TRUE(threadlings::testing::wait_until_blocked(*worker));  // idle: waiting for work
  EXPECT_EQ(pool.submit([] { return 2; }).result(10s), 2);
  EXPECT_EQ(pool.thread_count(), 1U);
}

// Never more threads than max_workers, however much is queued.
TEST(ThreadPool, NeverStartsMoreThanMaxWorkers) {
  ThreadPoolExecutor pool(2);
  Signal release;
  ReleaseOnExit guard(release);
  std::vector<Future<void>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(pool.submit([&] { release.wait(); }));
  EXPECT_EQ(pool.thread_count(), 2U);
  release.notify();
  for (const auto& f : fs) f.result(10s);
}

// The pitfall: in a one-worker pool a task that waits for a task it submitted waits in vain (here
// with a timeout, so the test ends): the inner task cannot start while the outer holds the worker.
TEST(ThreadPool, TaskWaitingForAnotherTaskInAFullPoolTimesOut) {
  ThreadPoolExecutor pool(1);
  std::atomic<bool> inner_ran{false};
  Future<bool> outer = pool.submit([&] {
    Future<void> inner = pool.submit([&] { inner_ran = true; });
    try {
      inner.result(20ms);
      return false;
    } catch (const TimeoutError&) {
      return !inner_ran.load();  // timed out, and the inner task indeed never started
    }
  });
  EXPECT_TRUE(outer.result(10s));
  pool.shutdown();
  EXPECT_TRUE(inner_ran);  // once the outer task let go of the worker, the inner one ran
}

// The fix: a second worker runs the inner task while the outer one waits.
TEST(ThreadPool, TaskWaitingForAnotherTaskFinishesWithASpareWorker) {
  ThreadPoolExecutor pool(2);
  Future<int> outer = pool.submit([&] { return pool.submit([] { return 21; }).result(10s) * 2; });
  EXPECT_EQ(outer.result(10s), 42);
}

// shutdown(wait=true) from a pool's own task would join itself: std::logic_error.
TEST(ThreadPool, ShutdownWaitFromOwnTaskThrowsLogicError) {
  ThreadPoolExecutor pool(1);
  Future<void> f = pool.submit([&] { pool.shutdown(true); });
  EXPECT_THROW(f.result(10s), std::logic_error);
}

// Callbacks of pool futures run once, and as_completed sees every task.
TEST(ThreadPool, AsCompletedSeesEveryTaskOnce) {
  ThreadPoolExecutor pool(3);
  std::atomic<int> callbacks{0};
  std::vector<Future<int>> fs;
  for (int i = 0; i < 50; ++i) {
    fs.push_back(pool.submit([](int x) { return x; }, i));
    fs.back().add_done_callback([&](const Future<int>&) { ++callbacks; });
  }
  int sum = 0;
  int count = 0;
  for (const Future<int>& f : as_completed(fs, 30s)) {
    sum += f.result();
    ++count;
  }
  pool.shutdown();
  EXPECT_EQ(count, 50);
  EXPECT_EQ(sum, 49 * 50 / 2);
  EXPECT_EQ(callbacks, 50);
}

}  // namespace
