// Tests of lesson 11's Task: run(), inline co_await, create_task(), one awaiter per task, dropping a
// pending task, cancellation at the await point (and every way it can arrive), and wait_for().
// Time is virtual: a test that sleeps 10 s takes microseconds, and every time is exact.
#include "task.hpp"

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "awaitables.hpp"
#include "event_loop.hpp"
#include "test_support.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using lesson11_test::now;
using lesson11_test::Tracker;
using lesson11_test::virtual_clock;

// Every test runs a loop, whose epoll descriptor and eventfd must be closed again.
class Run : public threadlings::testing::NoLeaksTest {};
class TaskTest : public threadlings::testing::NoLeaksTest {};
class Cancel : public threadlings::testing::NoLeaksTest {};
class WaitFor : public threadlings::testing::NoLeaksTest {};

// The coroutines of these tests are plain functions taking their parameters by value (C++ Core
// Guidelines CP.51, CP.53): pointers to the test's own variables, which outlive every run().

Task<int> answer() { co_return 42; }

Task<int> answer_after(Duration delay) {
  co_await sleep(delay);
  co_return 42;
}

Task<int> fails_after(Duration delay, std::string message) {
  co_await sleep(delay);
  throw std::runtime_error(message);
}

Task<> record_after(std::vector<std::string>* log, std::string entry, Duration delay) {
  co_await sleep(delay);
  log->push_back(entry);
}

// ---- run() ---------------------------------------------------------------------------------------

Task<int> add_later(int a, int b) {
  co_await sleep(1s);
  co_return a + b;
}

// run(main) gives the value main's coroutine returns (asyncio.run).
TEST_F(Run, ReturnsTheValueOfTheMainCoroutine) {
  EXPECT_EQ(run(add_later(40, 2), virtual_clock()), 42);
}

// run(main) rethrows what main's coroutine throws.
TEST_F(Run, RethrowsTheExceptionOfTheMainCoroutine) {
  try {
    (void)run(fails_after(1s, "boom"), virtual_clock());
    FAIL() << "run() returned";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "boom");
  }
}

Task<int> nested_run() { co_return run(answer(), virtual_clock()); }

// run() from a coroutine is refused: a loop runs in this thread already.
TEST_F(Run, FromInsideACoroutineThrowsEventLoopError) {
  EXPECT_THROW((void)run(nested_run(), virtual_clock()), EventLoopError);
}

Task<> void_main(std::vector<std::string>* log) {
  co_await record_after(log, "slept", 2s);
  log->push_back("at " + std::to_string(static_cast<int>(now())));
}

// Task<void> works like Task<int>, and run() of it returns nothing.
TEST_F(Run, RunsAVoidTask) {
  std::vector<std::string> log;
  run(void_main(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"slept", "at 2"}));
}

// ---- co_await and create_task -------------------------------------------------------------------

Task<> child_records(std::vector<std::string>* log) {
  log->push_back("child");
  co_return;
}

Task<> inline_await(std::vector<std::string>* log) {
  get_running_loop().call_soon([log] { log->push_back("callback"); });
  co_await child_records(log);  // runs now, before the loop gets control back
  log->push_back("after child");
  co_await sleep(0s);           // now the loop runs what is ready
  log->push_back("after sleep(0)");
}

// co_await of a coroutine runs it at once, inline, without a round trip through the loop (Python:
// `await coro()`); only an await that suspends lets the loop run something else.
TEST_F(TaskTest, AwaitingACoroutineRunsItInlineBeforeTheLoopRunsAnythingElse) {
  std::vector<std::string> log;
  run(inline_await(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"child", "after child", "callback", "after sleep(0)"}));
}

Task<int> one() { co_return 1; }

Task<long> many_inline_awaits(int count) {
  long total = 0;
  for (int i = 0; i < count; ++i) total += co_await one();
  co_return total;
}

// co_await of a coroutine that ends at once costs no stack: 200 000 of them in a loop do not overflow
// it, in an unoptimized build too (where GCC makes no tail call of a symmetric transfer).
TEST_F(TaskTest, AwaitsThatCompleteAtOnceUseNoStackPerTurn) {
  EXPECT_EQ(run(many_inline_awaits(200000), virtual_clock()), 200000);
}

Task<> created_later(std::vector<std::string>* log) {
  Task<> task = create_task(child_records(log));
  log->push_back("created");
  co_await sleep(0s);
  log->push_back("yielded");
  co_await task;
}

// create_task() schedules: the new task starts only when the creator lets the loop run.
TEST_F(TaskTest, CreateTaskStartsTheTaskOnlyWhenTheCreatorYields) {
  std::vector<std::string> log;
  run(created_later(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"created", "child", "yielded"}));
}

Task<> sleeper(std::vector<int>* finished, int seconds) {
  co_await sleep(std::chrono::seconds(seconds));
  finished->push_back(seconds);
}

Task<double> three_sleepers(std::vector<int>* finished) {
  Task<> a = create_task(sleeper(finished, 3));
  Task<> b = create_task(sleeper(finished, 1));
  Task<> c = create_task(sleeper(finished, 2));
  co_await a;
  co_await b;
  co_await c;
  co_return now();
}

// The lesson's headline: tasks sleeping 3, 1 and 2 s finish in the order 1, 2, 3, all at virtual time 3.
TEST_F(TaskTest, TasksSleepingThreeOneAndTwoSecondsFinishOneTwoThreeAtTimeThree) {
  std::vector<int> finished;
  EXPECT_EQ(run(three_sleepers(&finished), virtual_clock()), 3.0);
  EXPECT_EQ(finished, (std::vector<int>{1, 2, 3}));
}

Task<int> await_twice() {
  Task<int> task = create_task(answer_after(1s));
  const int first = co_await task;
  const int second = co_await task;  // the result went to the first co_await
  co_return first + second;
}

// A Task has one awaiter: a second co_await is InvalidStateError.
TEST_F(TaskTest, AwaitingATaskTwiceThrowsInvalidStateError) {
  EXPECT_THROW((void)run(await_twice(), virtual_clock()), InvalidStateError);
}

Task<int> await_it(Task<int> task) { co_return co_await task; }

// A task scheduled on one loop cannot be awaited from another.
TEST_F(TaskTest, AwaitingATaskOfAnotherLoopThrowsInvalidStateError) {
  EventLoop other(virtual_clock());
  Task<int> elsewhere = create_task(other, answer());
  EXPECT_THROW((void)run(await_it(std::move(elsewhere)), virtual_clock()), InvalidStateError);
}

// co_await of an empty (moved-from) Task says so.
TEST_F(TaskTest, AwaitingAMovedFromTaskThrowsInvalidStateError) {
  EventLoop loop(virtual_clock());
  Task<int> task = answer();
  Task<int> moved = std::move(task);
  EXPECT_FALSE(task.valid());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_THROW((void)run_until_complete(loop, std::move(task)), InvalidStateError);
  EXPECT_EQ(run_until_complete(loop, std::move(moved)), 42);
}

Task<> waits_with_tracker(int* alive, bool* resumed) {
  Tracker tracker(alive);
  co_await sleep(10s);
  *resumed = true;
}

struct DropResult {
  int alive_while_pending = 0;
  int alive_after_drop = 0;
  double end = 0;
};

Task<DropResult> drop_pending(int* alive, bool* resumed) {
  DropResult result;
  {
    Task<> task = create_task(waits_with_tracker(alive, resumed));
    co_await sleep(1s);
    result.alive_while_pending = *alive;
  }  // the Task object goes: its coroutine is destroyed where it waits
  result.alive_after_drop = *alive;
  co_await sleep(20s);  // past the dropped task's deadline: its timer must be gone
  result.end = now();
  co_return result;
}

// Destroying the Task of a pending task destroys its coroutine at its await point: its locals are
// destroyed, its timer is cancelled, and it never runs again.
TEST_F(TaskTest, DroppingAPendingTaskDestroysItsCoroutineWhereItWaits) {
  int alive = 0;
  bool resumed = false;
  const DropResult result = run(drop_pending(&alive, &resumed), virtual_clock());
  EXPECT_EQ(result.alive_while_pending, 1);
  EXPECT_EQ(result.alive_after_drop, 0);
  EXPECT_FALSE(resumed);
  EXPECT_EQ(result.end, 21.0);
  EXPECT_EQ(alive, 0);
}

Task<int> awaits_a_doomed_task(Task<int>* slot) {
  *slot = create_task(answer_after(10s));
  co_return co_await *slot;
}

Task<bool> destroys_what_another_awaits() {
  Task<int> doomed;
  Task<int> awaiter = create_task(awaits_a_doomed_task(&doomed));
  co_await sleep(1s);
  doomed = Task<int>();  // destroyed while `awaiter` co_awaits it
  try {
    (void)co_await awaiter;
  } catch (const CancelledError&) {
    co_return true;
  }
  co_return false;
}

// A task whose awaited Task is destroyed gets CancelledError from that co_await.
TEST_F(TaskTest, DestroyingATaskThatAnotherAwaitsCancelsThatAwait) {
  EXPECT_TRUE(run(destroys_what_another_awaits(), virtual_clock()));
}

// ---- cancellation ---------------------------------------------------------------------------------

struct CancelResult {
  double caught_at = -1;
  bool cancelled = false;
  bool done = false;
};

Task<> sleeps_ten(std::vector<std::string>* log) {
  try {
    co_await sleep(10s);
    log->push_back("slept 10 s");
  } catch (const CancelledError&) {
    log->push_back("CancelledError at " + std::to_string(static_cast<int>(now())));
    throw;
  }
}

Task<CancelResult> cancel_after_one(std::vector<std::string>* log) {
  Task<> task = create_task(sleeps_ten(log));
  co_await sleep(1s);
  EXPECT_TRUE(task.cancel());
  CancelResult result;
  try {
    co_await task;
  } catch (const CancelledError&) {
    result.caught_at = now();
  }
  result.cancelled = task.cancelled();
  result.done = task.done();
  co_return result;
}

// cancel() throws CancelledError into the task at the await point where it waits, at once (not when
// its sleep would have ended); co_await of the cancelled task throws CancelledError too.
TEST_F(Cancel, ThrowsCancelledErrorAtTheAwaitPointAtOnce) {
  std::vector<std::string> log;
  const CancelResult result = run(cancel_after_one(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"CancelledError at 1"}));
  EXPECT_EQ(result.caught_at, 1.0);
  EXPECT_TRUE(result.cancelled);
  EXPECT_TRUE(result.done);
}

Task<int> refuses_cancellation() {
  try {
    co_await sleep(10s);
  } catch (const CancelledError&) {
    // a request, not an order: clean up and carry on
  }
  co_await sleep(1s);
  co_return 7;
}

Task<std::pair<int, double>> cancel_a_refuser() {
  Task<int> task = create_task(refuses_cancellation());
  co_await sleep(2s);
  (void)task.cancel();
  const int value = co_await task;
  co_return std::pair{value, now()};
}

// A task may catch the CancelledError and go on; it then is not cancelled().
TEST_F(Cancel, ATaskMayCatchTheCancellationAndCarryOn) {
  const auto [value, end] = run(cancel_a_refuser(), virtual_clock());
  EXPECT_EQ(value, 7);
  EXPECT_EQ(end, 3.0);
}

Task<> must_not_run(bool* ran) {
  *ran = true;
  co_return;
}

Task<bool> cancel_before_start(bool* ran) {
  Task<> task = create_task(must_not_run(ran));
  (void)task.cancel();  // before its first step
  try {
    co_await task;
  } catch (const CancelledError&) {
    co_return task.cancelled();
  }
  co_return false;
}

// A task cancelled before its first step never runs a line of its body (as in Python).
TEST_F(Cancel, ATaskCancelledBeforeItStartsNeverRuns) {
  bool ran = false;
  EXPECT_TRUE(run(cancel_before_start(&ran), virtual_clock()));
  EXPECT_FALSE(ran);
}

Task<> awaits_inner(std::vector<std::string>* log, Task<>* inner) {
  try {
    co_await *inner;
  } catch (const CancelledError&) {
    log->push_back("outer cancelled at " + std::to_string(static_cast<int>(now())));
    throw;
  }
}

Task<bool> cancel_the_outer(std::vector<std::string>* log) {
  Task<> inner = create_task(sleeps_ten(log));
  Task<> outer = create_task(awaits_inner(log, &inner));
  co_await sleep(1s);
  (void)outer.cancel();
  try {
    co_await outer;
  } catch (const CancelledError&) {
  }
  co_return inner.cancelled();
}

// Cancelling a task that co_awaits another cancels that one too (Python does the same), and the outer
// task gets its CancelledError when the inner one has ended.
TEST_F(Cancel, CancellingATaskThatAwaitsAnotherCancelsBoth) {
  std::vector<std::string> log;
  EXPECT_TRUE(run(cancel_the_outer(&log), virtual_clock()));
  EXPECT_EQ(log, (std::vector<std::string>{"CancelledError at 1", "outer cancelled at 1"}));
}

Task<std::pair<bool, int>> cancel_finished() {
  Task<int> task = create_task(answer());
  const int value = co_await task;
  co_return std::pair{task.cancel(), value};
}

// cancel() of a finished task does nothing and says false.
TEST_F(Cancel, CancelOfAFinishedTaskReturnsFalse) {
  const auto [cancelled, value] = run(cancel_finished(), virtual_clock());
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(value, 42);
}

Task<> woken_then_cancelled(std::vector<std::string>* log) {
  try {
    co_await sleep(1s);
    log->push_back("slept");
  } catch (const CancelledError&) {
    log->push_back("CancelledError at " + std::to_string(static_cast<int>(now())));
  }
  co_await sleep(1s);
  log->push_back("finished at " + std::to_string(static_cast<int>(now())));
}

Task<> cancel_a_woken_task(std::vector<std::string>* log) {
  Task<> task = create_task(woken_then_cancelled(log));
  co_await sleep(0s);  // let the task start: its timer is set before the one below
  get_running_loop().call_later(1s, [&task] { (void)task.cancel(); });
  co_await task;
}

// A task whose sleep has ended (it is queued to run) and is then cancelled gets one CancelledError, at
// that await, and is resumed exactly once: its next sleep lasts its full second.
TEST_F(Cancel, ATaskWokenAndThenCancelledIsResumedOnceWithCancelledError) {
  std::vector<std::string> log;
  run(cancel_a_woken_task(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"CancelledError at 1", "finished at 2"}));
}

Task<> sleeps_quietly() { co_await sleep(10s); }

Task<std::string> catch_as_std_exception() {
  Task<> task = create_task(sleeps_quietly());
  co_await sleep(0s);
  (void)task.cancel();
  try {
    co_await task;
  } catch (const std::exception&) {
    co_return "caught as std::exception";
  } catch (const CancelledError& error) {
    co_return std::string("caught as CancelledError: ") + error.what();
  }
  co_return "not thrown";
}

// CancelledError is not a std::exception (Python 3.8 made it a BaseException for the same reason):
// a handler for real errors does not swallow it.
TEST_F(Cancel, CancelledErrorIsNotCaughtAsAStdException) {
  EXPECT_EQ(run(catch_as_std_exception(), virtual_clock()), "caught as CancelledError: the task was cancelled");
}

// ---- wait_for -------------------------------------------------------------------------------------

Task<std::pair<int, double>> in_time() {
  const int value = co_await wait_for(answer_after(1s), 5s);
  co_return std::pair{value, now()};
}

// wait_for() gives the value of a task that finishes within the timeout.
TEST_F(WaitFor, ReturnsTheValueOfATaskThatIsInTime) {
  const auto [value, end] = run(in_time(), virtual_clock());
  EXPECT_EQ(value, 42);
  EXPECT_EQ(end, 1.0);
}

Task<double> too_late(std::vector<std::string>* log) {
  try {
    co_await wait_for(sleeps_ten(log), 3s);
  } catch (const TimeoutError&) {
    co_return now();
  }
  co_return -1;
}

// At the deadline wait_for() cancels the task (it sees CancelledError) and throws TimeoutError.
TEST_F(WaitFor, CancelsTheTaskAndThrowsTimeoutErrorAtTheDeadline) {
  std::vector<std::string> log;
  EXPECT_EQ(run(too_late(&log), virtual_clock()), 3.0);
  EXPECT_EQ(log, (std::vector<std::string>{"CancelledError at 3"}));
}

}  // namespace
