// Tests of lesson 11's gather(): concurrency, results in argument order, the first exception (at
// once, with the other tasks cancelled), cancellation of the gather, and misuse.
// Every sleep() here is the lesson's asyncio.sleep on a loop run with virtual_clock(): the injected
// clock. No thread sleeps; when every task waits, the loop jumps the virtual time to the next timer,
// so "3 s" takes microseconds and the order of wake-ups is exact.
#include "gather.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
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

class Gather : public threadlings::testing::NoLeaksTest {};

Task<int> value_after(int seconds, std::vector<int>* finished) {
  co_await sleep(std::chrono::seconds(seconds));
  finished->push_back(seconds);
  co_return seconds;
}

Task<std::pair<std::vector<int>, double>> gather_three(std::vector<int>* finished) {
  std::vector<Task<int>> tasks;
  tasks.push_back(value_after(3, finished));
  tasks.push_back(value_after(1, finished));
  tasks.push_back(value_after(2, finished));
  std::vector<int> results = co_await gather(std::move(tasks));
  co_return std::pair{std::move(results), now()};
}

// The tasks run concurrently (3 s in all, not 6) and finish 1, 2, 3, yet the results come in the
// order of the arguments: 3, 1, 2.
TEST_F(Gather, ResultsComeInArgumentOrderNotInTheOrderTasksFinish) {
  std::vector<int> finished;
  const auto [results, end] = run(gather_three(&finished), virtual_clock());
  EXPECT_EQ(finished, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(results, (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(end, 3.0);
}

Task<std::string> text_after(Duration delay, std::string text) {
  co_await sleep(delay);
  co_return text;
}

Task<> nothing_after(Duration delay) { co_await sleep(delay); }

Task<std::pair<std::tuple<int, std::string, std::monostate>, double>> gather_mixed(std::vector<int>* finished) {
  auto results = co_await gather(value_after(2, finished), text_after(1s, "one"), nothing_after(3s));
  co_return std::pair{std::move(results), now()};
}

// gather() of different types gives a tuple, in argument order; a Task<void> gives std::monostate.
TEST_F(Gather, OfDifferentTypesGivesATupleInArgumentOrder) {
  std::vector<int> finished;
  const auto [results, end] = run(gather_mixed(&finished), virtual_clock());
  EXPECT_EQ(std::get<0>(results), 2);
  EXPECT_EQ(std::get<1>(results), "one");
  EXPECT_EQ(end, 3.0);
}

Task<int> fails_after(Duration delay, std::string message) {
  co_await sleep(delay);
  throw std::runtime_error(message);
}

Task<int> long_task(std::vector<std::string>* log) {
  try {
    co_await sleep(5s);
  } catch (const CancelledError&) {
    log->push_back("long task cancelled at " + std::to_string(static_cast<int>(now())));
    throw;
  }
  log->push_back("long task finished");
  co_return 5;
}

Task<std::string> first_error(std::vector<std::string>* log) {
  try {
    (void)co_await gather(long_task(log), fails_after(1s, "boom"), fails_after(2s, "later"));
  } catch (const std::runtime_error& error) {
    co_return std::string(error.what()) + " at " + std::to_string(static_cast<int>(now()));
  }
  co_return "no exception";
}

// The first exception comes out of gather() as soon as it happens (at 1 s, not when the 5 s task would
// be done); the later one is dropped.
TEST_F(Gather, PropagatesTheFirstExceptionAsSoonAsItHappens) {
  std::vector<std::string> log;
  EXPECT_EQ(run(first_error(&log), virtual_clock()), "boom at 1");
}

// The other tasks are cancelled (they see CancelledError) and have ended when gather() throws.
TEST_F(Gather, CancelsTheOtherTasksAfterTheFirstException) {
  std::vector<std::string> log;
  (void)run(first_error(&log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"long task cancelled at 1"}));
}

Task<std::pair<bool, double>> cancel_the_gatherer(std::vector<std::string>* log) {
  std::vector<Task<int>> children;
  children.push_back(long_task(log));
  children.push_back(long_task(log));
  Task<std::vector<int>> gathering = create_task(gather(std::move(children)));
  co_await sleep(2s);
  (void)gathering.cancel();
  bool cancelled = false;
  try {
    (void)co_await gathering;
  } catch (const CancelledError&) {
    cancelled = true;
  }
  co_return std::pair{cancelled, now()};
}

// Cancelling the task that waits in gather() cancels every child; then gather() throws CancelledError.
TEST_F(Gather, CancellingTheGatheringTaskCancelsEveryChild) {
  std::vector<std::string> log;
  const auto [cancelled, end] = run(cancel_the_gatherer(&log), virtual_clock());
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(end, 2.0);
  EXPECT_EQ(log, (std::vector<std::string>{"long task cancelled at 2", "long task cancelled at 2"}));
}

Task<std::size_t> gather_nothing() {
  const std::vector<int> results = co_await gather(std::vector<Task<int>>{});
  co_return results.size();
}

// gather() of no task is done at once, with no results.
TEST_F(Gather, OfNoTaskGivesNoResults) { EXPECT_EQ(run(gather_nothing(), virtual_clock()), 0U); }

Task<int> quick(int value) {
  co_await sleep(1s);
  co_return value;
}

Task<int> awaits(Task<int>* task) { co_return co_await *task; }

Task<std::string> gather_a_task_awaited_elsewhere() {
  Task<int> shared = create_task(quick(1));
  Task<int> awaiter = create_task(awaits(&shared));
  co_await sleep(0s);  // `awaiter` now co_awaits `shared`
  std::vector<Task<int>> tasks;
  tasks.push_back(std::move(shared));
  std::string what;
  try {
    (void)co_await gather(std::move(tasks));
    what = "gather() accepted it";
  } catch (const InvalidStateError&) {
    what = "InvalidStateError";
  }
  // gather() owned the task, and destroyed it on its way out: its other awaiter learns that it is gone.
  try {
    (void)co_await awaiter;
  } catch (const CancelledError&) {
    what += ", then CancelledError";
  }
  co_return what;
}

// A task has one awaiter: gather() of a task that another task co_awaits is InvalidStateError.
TEST_F(Gather, OfATaskAwaitedElsewhereThrowsInvalidStateError) {
  EXPECT_EQ(run(gather_a_task_awaited_elsewhere(), virtual_clock()), "InvalidStateError, then CancelledError");
}

}  // namespace
