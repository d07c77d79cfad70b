// Tests of lesson 05's Gil driving the toy VM (common/include/threadlings/toy_vm.hpp): mutual exclusion
// under stress, the eval breaker's hand-off at a back-edge, and no starvation.
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "allow_threads.hpp"
#include "gil.hpp"
#include "test_support.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/toy_vm.hpp"

namespace {

using namespace std::chrono_literals;
using lesson05_test::CheckingGil;
using lesson05_test::ScriptedWaiter;
using Outcome = lesson05_test::ScriptedWaiter::Outcome;
using threadlings::GilInterface;
using threadlings::lesson05::AllowThreads;
using threadlings::lesson05::Gil;
using threadlings::testing::Signal;
namespace vm = threadlings::vm;

constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

// Four VM threads, two counting down and two doing I/O through AllowThreads, with a tiny switch
// interval (many timeouts, requests and forced switches): never two holders at once, and every
// program computes its result.
TEST(GilWithVm, NeverTwoHoldersAtOnce) {
  Gil gil;
  gil.set_switch_interval(10us);
  CheckingGil checked(gil);
  const vm::Interpreter interpreter(checked, [](GilInterface& held, std::int64_t) {
    const AllowThreads allow(held);
    std::this_thread::yield();
  });
  const vm::Program counting = vm::countdown(200'000);
  const vm::Program waiting = vm::io_loop(300, 0);
  std::vector<std::future<vm::RunResult>> runs;
  for (const vm::Program* program : {&counting, &waiting, &counting, &waiting}) {
    runs.push_back(std::async(std::launch::async, [&interpreter, program] { return interpreter.run(*program); }));
  }
  std::vector<vm::RunResult> results;
  for (auto& run : runs) results.push_back(run.get());
  EXPECT_EQ(checked.violations(), 0) << "two threads held the GIL at the same time";
  for (const auto& result : results) EXPECT_EQ(result.locals.at(0), 0) << "a program ended early";
  EXPECT_EQ(results[1].io_calls, 300);
  EXPECT_EQ(results[3].io_calls, 300);
  EXPECT_FALSE(gil.locked());
}

// A CPU-bound VM thread holding the GIL hands it over at a back-edge once a waiting thread's interval
// runs out: the waiter gets the GIL while the program is still running, after exactly one drop.
TEST(GilWithVm, ACpuBoundHolderDropsWhenAsked) {
  ScriptedWaiter waiter;
  Gil gil(waiter);
  ASSERT_FALSE(gil.locked());
  Signal running;
  vm::Interpreter interpreter(gil, [&](GilInterface&, std::int64_t) { running.notify(); });
  // io_wait(0) (the VM thread says it runs, holding the GIL), then: while True: pass
  const vm::Program spin("spin", {{vm::Op::kIoWait, 0}, {vm::Op::kLoadConst, 1}, {vm::Op::kJumpIfFalse, 4},
                                  {vm::Op::kJumpBack, 1}, {vm::Op::kHalt, 0}},
                         0);
  auto spinner = std::async(std::launch::async, [&] { return interpreter.run(spin); });
  running.wait();
  // The script for this thread's take(): one interval runs out (the request), then plain waits.
  std::jthread script([&waiter] {
    waiter.wait_until_started(1);
    waiter.resolve_next(Outcome::kTimeout);
    waiter.wait_until_started(2);
    waiter.stop_scripting();
  });
  gil.take();  // returns only if the spinner drops the GIL: its loop never ends by itself
  EXPECT_TRUE(gil.held_by_current_thread());
  interpreter.request_stop();
  gil.drop();
  const vm::RunResult result = spinner.get();
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.drops_on_request, 1) << "the spinner should drop once, for the one request";
}

// Two CPU-bound VM threads that never finish both keep getting the GIL, again and again.
TEST(GilWithVm, TwoCpuBoundThreadsBothMakeProgress) {
  Gil gil;
  gil.set_switch_interval(100us);
  CheckingGil checked(gil);
  vm::Interpreter interpreter(checked);
  const vm::Program forever = vm::countdown(kForever);
  auto first = std::async(std::launch::async, [&] { return interpreter.run(forever); });
  auto second = std::async(std::launch::async, [&] { return interpreter.run(forever); });
  // A liveness bound (expected: a few milliseconds), not a timing assertion.
  const bool both_progressed = checked.wait_until_each_took(2, 5, 4s);
  interpreter.request_stop();
  const vm::RunResult first_result = first.get();
  const vm::RunResult second_result = second.get();
  EXPECT_TRUE(both_progressed) << "one of the two threads was starved of the GIL";
  EXPECT_EQ(checked.violations(), 0);
  EXPECT_TRUE(first_result.stopped);
  EXPECT_TRUE(second_result.stopped);
  EXPECT_GE(first_result.drops_on_request + second_result.drops_on_request, 4);
}

}  // namespace
