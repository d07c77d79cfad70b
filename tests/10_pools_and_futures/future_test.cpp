// Lesson 10: Future on its own (set_result/set_exception as an executor would call them), as_completed
// and wait. No pool here: each test completes the futures itself, in the order it wants.
#include "futures.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson10;

std::exception_ptr error(const std::string& text) { return std::make_exception_ptr(std::runtime_error(text)); }

// result() returns what set_result() stored.
TEST(Future, ResultReturnsTheValueSetBySetResult) {
  Future<int> f;
  f.set_result(42);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), 42);
  EXPECT_EQ(f.exception(), nullptr);
}

// A pending future's result(timeout) gives up with TimeoutError.
TEST(Future, ResultTimesOutWhilePending) {
  Future<int> f;
  EXPECT_THROW((void)f.result(1ms), TimeoutError);
  EXPECT_THROW((void)f.exception(0ms), TimeoutError);
  EXPECT_FALSE(f.done());
}

// result() rethrows the task's exception; exception() returns it.
TEST(Future, ResultRethrowsTheTasksException) {
  Future<int> f;
  f.set_exception(error("boom"));
  EXPECT_NE(f.exception(), nullptr);
  try {
    (void)f.result();
    FAIL() << "result() returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
}

// A pending future can be cancelled; its result() then throws CancelledError.
TEST(Future, CancelSucceedsWhilePending) {
  Future<int> f;
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.cancel());  // cancelling again still says "cancelled"
  EXPECT_THROW((void)f.result(), CancelledError);
  EXPECT_THROW((void)f.exception(), CancelledError);
}

// Once a worker runs it, a future cannot be cancelled.
TEST(Future, CancelFailsOnceRunning) {
  Future<int> f;
  ASSERT_TRUE(f.set_running_or_notify_cancel());
  EXPECT_TRUE(f.running());
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.cancelled());
  f.set_result(1);
  EXPECT_EQ(f.result(), 1);
}

// A finished future cannot be cancelled either.
TEST(Future, CancelFailsOnceFinished) {
  Future<int> f;
  f.set_result(7);
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(f.result(), 7);
}

// The executor learns about a cancellation from set_running_or_notify_cancel().
TEST(Future, SetRunningReturnsFalseForACancelledFuture) {
  Future<int> f;
  ASSERT_TRUE(f.cancel());
  EXPECT_FALSE(f.set_running_or_notify_cancel());
  EXPECT_FALSE(f.running());
}

// A second completion is a bug in the executor: InvalidStateError.
TEST(Future, SetResultTwiceThrowsInvalidStateError) {
  Future<int> f;
  f.set_result(1);
  EXPECT_THROW(f.set_result(2), InvalidStateError);
  EXPECT_THROW(f.set_exception(error("late")), InvalidStateError);
  EXPECT_EQ(f.result(), 1);
}

// result() blocks until another thread completes the future.
TEST(Future, ResultWaitsForAnotherThread) {
  Future<int> f;
  threadlings::testing::Signal release;
  // A jthread, declared before the releaser: if result() throws, the releaser lets the completer go
  // and the completer is joined, so an unfinished Future fails this test instead of aborting it.
  std::jthread completer([&] {
    release.wait();
    EXPECT_NO_THROW(f.set_result(5));
  });
  threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  EXPECT_EQ(f.result(), 5);
  completer.join();
}

// A callback runs once, when the future completes, and sees it done.
TEST(Future, CallbackRunsOnceWhenTheFutureCompletes) {
  Future<int> f;
  int calls = 0;
  int seen = 0;
  f.add_done_callback([&](const Future<int>& done) {
    ++calls;
    seen = done.result();
  });
  EXPECT_EQ(calls, 0);
  f.set_result(3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 3);
  EXPECT_FALSE(f.cancel());
  EXPECT_EQ(calls, 1);
}

// A callback added to a done future runs at once, in the caller's thread.
TEST(Future, CallbackAddedAfterCompletionRunsAtOnceInTheCallersThread) {
  Future<int> f;
  f.set_result(3);
  int calls = 0;
  std::thread::id where;
  f.add_done_callback([&](const Future<int>&) {
    ++calls;
    where = std::this_thread::get_id();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(where, std::this_thread::get_id());
}

// A callback that adds another callback while the future completes: the second runs exactly once.
TEST(Future, CallbackAddedDuringCompletionRunsExactlyOnce) {
  Future<int> f;
  int inner_calls = 0;
  f.add_done_callback([&](const Future<int>& done) {
    Future<int> same = done;
    same.add_done_callback([&](const Future<int>&) { ++inner_calls; });
  });
  f.add_done_callback([](const Future<int>&) {});
  f.set_result(1);
  EXPECT_EQ(inner_calls, 1);
}

// Callbacks also run when the future is cancelled.
TEST(Future, CallbacksRunOnCancel) {
  Future<int> f;
  bool saw_cancelled = false;
  f.add_done_callback([&](const Future<int>& done) { saw_cancelled = done.cancelled(); });
  ASSERT_TRUE(f.cancel());
  EXPECT_TRUE(saw_cancelled);
}

// A throwing callback is logged, not propagated, and the next callback still runs.
TEST(Future, CallbackExceptionIsLoggedNotPropagated) {
  Future<int> f;
  int later = 0;
  f.add_done_callback([](const Future<int>&) { throw std::runtime_error("callback failed"); });
  f.add_done_callback([&](const Future<int>&) { ++later; });
  testing::internal::CaptureStderr();
  EXPECT_NO_THROW(f.set_result(1));
  EXPECT_NO_THROW(f.add_done_callback([](const Future<int>&) { throw std::runtime_error("late callback failed"); }));
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(later, 1);
  EXPECT_NE(log.find("callback failed"), std::string::npos) << log;
  EXPECT_NE(log.find("late callback failed"), std::string::npos) << log;
}

// Future<void>: result() returns nothing, or rethrows.
TEST(Future, VoidFutureCompletesWithoutAValue) {
  Future<void> ok;
  ok.set_result();
  EXPECT_NO_THROW(ok.result());
  Future<void> bad;
  bad.set_exception(error("void failed"));
  EXPECT_THROW(bad.result(), std::runtime_error);
}

// as_completed yields futures in the order they complete, not the order they were listed.
TEST(AsCompleted, YieldsFuturesInCompletionOrder) {
  std::vector<Future<int>> fs(3);
  auto completed = as_completed(fs, 10s);
  fs[2].set_result(2);
  fs[0].set_result(0);
  fs[1].set_result(1);
  std::vector<int> order;
  for (const Future<int>& f : completed) order.push_back(f.result());
  EXPECT_EQ(order, (std::vector<int>{2, 0, 1}));
}

// Futures done already come first; a future listed twice is yielded once.
TEST(AsCompleted, YieldsEachFutureExactlyOnce) {
  std::vector<Future<int>> fs(3);
  fs[1].set_result(1);
  auto completed = as_completed(std::vector<Future<int>>{fs[0], fs[1], fs[1], fs[2], fs[0]}, 10s);
  fs[2].set_result(2);
  fs[0].set_result(0);
  std::vector<int> order;
  for (const Future<int>& f : completed) order.push_back(f.result());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
}

// A future that never completes makes the iteration throw TimeoutError after the time limit.
TEST(AsCompleted, ThrowsTimeoutErrorWhenAFutureStaysPending) {
  std::vector<Future<int>> fs(2);
  fs[0].set_result(0);
  auto completed = as_completed(fs, 1ms);
  auto first = completed.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, fs[0]);
  EXPECT_THROW((void)completed.next(), TimeoutError);
}

// as_completed wakes up for a future completed by another thread.
TEST(AsCompleted, WakesForACompletionInAnotherThread) {
  std::vector<Future<int>> fs(1);
  auto completed = as_completed(fs);
  threadlings::testing::Signal release;
  std::thread completer([&] {
    release.wait();
    fs[0].set_result(9);
  });
  threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  auto f = completed.next();
  completer.join();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->result(), 9);
  EXPECT_FALSE(completed.next().has_value());
}

// wait(FIRST_COMPLETED) returns as soon as one future is done.
TEST(Wait, FirstCompletedReturnsOnceOneIsDone) {
  std::vector<Future<int>> fs(3);
  fs[1].set_result(1);
  const auto [done, not_done] = wait(fs, std::nullopt, FIRST_COMPLETED);
  EXPECT_EQ(done, (std::vector<Future<int>>{fs[1]}));
  EXPECT_EQ(not_done, (std::vector<Future<int>>{fs[0], fs[2]}));
}

// wait(FIRST_EXCEPTION) returns at the first failure even with futures still pending.
TEST(Wait, FirstExceptionReturnsAtTheFirstFailure) {
  std::vector<Future<int>> fs(3);
  fs[0].set_result(0);
  fs[2].set_exception(error("failed"));
  const auto [done, not_done] = wait(fs, std::nullopt, FIRST_EXCEPTION);
  EXPECT_EQ(done, (std::vector<Future<int>>{fs[0], fs[2]}));
  EXPECT_EQ(not_done, (std::vector<Future<int>>{fs[1]}));
}

// wait(ALL_COMPLETED) with a timeout returns what is done, without throwing.
TEST(Wait, AllCompletedWithATimeoutReturnsWhatIsDone) {
  std::vector<Future<int>> fs(2);
  fs[0].set_result(0);
  const auto [done, not_done] = wait(fs, 1ms, ALL_COMPLETED);
  EXPECT_EQ(done.size(), 1U);
  EXPECT_EQ(not_done, (std::vector<Future<int>>{fs[1]}));
}

// wait(ALL_COMPLETED) waits for completions by other threads, cancelled ones included.
TEST(Wait, AllCompletedWaitsForEveryFuture) {
  std::vector<Future<int>> fs(2);
  threadlings::testing::Signal release;
  std::jthread completer([&] {  // joined on every path, as in ResultWaitsForAnotherThread
    release.wait();
    EXPECT_NO_THROW(fs[0].set_result(0));
    EXPECT_NO_THROW(fs[1].cancel());
  });
  threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  const auto [done, not_done] = wait(fs);
  completer.join();
  EXPECT_EQ(done.size(), 2U);
  EXPECT_TRUE(not_done.empty());
}

}  // namespace
