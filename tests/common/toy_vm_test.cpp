// Tests of the toy VM (threadlings/toy_vm.hpp) that lesson 05's Gil drives: programs, the checks on
// them, and the calls the interpreter makes on its GIL.
#include "threadlings/toy_vm.hpp"

#include <atomic>
#include <cstdint>
#include <future>
#include <latch>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/gil_interface.hpp"

namespace {

using threadlings::GilInterface;
using threadlings::NoGil;
namespace vm = threadlings::vm;
using vm::Op;

// A stand-in GIL that logs every take and drop, says whether it is held, and reports a drop request
// for as many back-edge checks as the test asks.
class RecordingGil final : public GilInterface {
 public:
  void take() override {
    const std::scoped_lock lock(mutex_);
    log_.emplace_back("take");
    held_ = true;
  }
  void drop() override {
    const std::scoped_lock lock(mutex_);
    log_.emplace_back("drop");
    held_ = false;
    if (requests_ > 0) --requests_;
  }
  [[nodiscard]] bool drop_requested() const noexcept override { return requests_.load() > 0; }

  void request_drops(int count) { requests_ = count; }
  [[nodiscard]] bool held() const {
    const std::scoped_lock lock(mutex_);
    return held_;
  }
  [[nodiscard]] std::vector<std::string> log() const {
    const std::scoped_lock lock(mutex_);
    return log_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> log_;  // guarded by mutex_
  bool held_ = false;             // guarded by mutex_
  std::atomic<int> requests_{0};
};

// countdown(n) ends with n == 0 after n back-edges and nine instructions per turn.
TEST(ToyVm, CountdownCountsToZero) {
  NoGil gil;
  const vm::Interpreter interpreter(gil);
  const vm::RunResult result = interpreter.run(vm::countdown(1000));
  EXPECT_EQ(result.locals.at(0), 0);
  EXPECT_EQ(result.back_edges, 1000);
  EXPECT_EQ(result.instructions, 2 + 9 * 1000 + 5);  // set-up, the turns, the last test and halt
  EXPECT_FALSE(result.stopped);
}

// Add, subtract and compare compute what they say.
TEST(ToyVm, ArithmeticAndComparison) {
  NoGil gil;
  const vm::Interpreter interpreter(gil);
  const vm::Program program("arithmetic",
                            {{Op::kLoadConst, 7}, {Op::kLoadConst, 5}, {Op::kAdd, 0}, {Op::kStoreLocal, 0},
                             {Op::kLoadConst, 7}, {Op::kLoadConst, 5}, {Op::kSubtract, 0}, {Op::kStoreLocal, 1},
                             {Op::kLoadLocal, 0}, {Op::kLoadLocal, 1}, {Op::kGreater, 0}, {Op::kStoreLocal, 2},
                             {Op::kHalt, 0}},
                            3);
  const vm::RunResult result = interpreter.run(program);
  EXPECT_EQ(result.locals, (std::vector<std::int64_t>{12, 2, 1}));
}

// A run takes the GIL before its first instruction and drops it after its last.
TEST(ToyVm, RunTakesTheGilFirstAndDropsItLast) {
  RecordingGil gil;
  const vm::Interpreter interpreter(gil);
  (void)interpreter.run(vm::countdown(3));
  EXPECT_EQ(gil.log(), (std::vector<std::string>{"take", "drop"}));
}

// At a back-edge, a drop request makes the thread drop the GIL and take it again.
TEST(ToyVm, BackEdgeDropsAndRetakesWhenADropIsRequested) {
  RecordingGil gil;
  gil.request_drops(1);
  const vm::Interpreter interpreter(gil);
  const vm::RunResult result = interpreter.run(vm::countdown(3));
  EXPECT_EQ(gil.log(), (std::vector<std::string>{"take", "drop", "take", "drop"}));
  EXPECT_EQ(result.drops_on_request, 1);
  EXPECT_EQ(result.locals.at(0), 0);
}

// kIoWait calls the I/O function once per wait, with its argument, holding the GIL.
TEST(ToyVm, IoWaitCallsTheIoFunctionHoldingTheGil) {
  RecordingGil gil;
  std::vector<std::int64_t> arguments;
  bool always_held = true;
  const vm::Interpreter interpreter(gil, [&](GilInterface& given, std::int64_t argument) {
    always_held = always_held && &given == &gil && gil.held();
    arguments.push_back(argument);
  });
  const vm::RunResult result = interpreter.run(vm::io_loop(3, 42));
  EXPECT_EQ(arguments, (std::vector<std::int64_t>{42, 42, 42}));
  EXPECT_TRUE(always_held);
  EXPECT_EQ(result.io_calls, 3);
}

// A program that does I/O is refused, before the GIL is taken, by an interpreter without an I/O function.
TEST(ToyVm, RunRefusesIoWithoutAnIoFunction) {
  RecordingGil gil;
  const vm::Interpreter interpreter(gil);
  EXPECT_THROW((void)interpreter.run(vm::io_loop(1, 0)), std::invalid_argument);
  EXPECT_TRUE(gil.log().empty());
}

// An exception from the I/O function ends the run, and the GIL is dropped on the way out.
TEST(ToyVm, ExceptionFromTheIoFunctionDropsTheGil) {
  RecordingGil gil;
  const vm::Interpreter interpreter(gil, [](GilInterface&, std::int64_t) { throw std::runtime_error("EIO"); });
  EXPECT_THROW((void)interpreter.run(vm::io_loop(1, 0)), std::runtime_error);
  EXPECT_EQ(gil.log(), (std::vector<std::string>{"take", "drop"}));
}

// request_stop() ends a run that would never end, at its next back-edge.
TEST(ToyVm, RequestStopEndsARunAtTheNextBackEdge) {
  NoGil gil;
  vm::Interpreter* self = nullptr;
  vm::Interpreter interpreter(gil, [&self](GilInterface&, std::int64_t) { self->request_stop(); });
  self = &interpreter;
  const vm::Program spin("spin", {{Op::kIoWait, 0}, {Op::kLoadConst, 1}, {Op::kJumpIfFalse, 4}, {Op::kJumpBack, 1},
                                  {Op::kHalt, 0}},
                         0);
  const vm::RunResult result = interpreter.run(spin);
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.back_edges, 1);
}

// With NoGil two VM threads run at once: both reach a latch that opens only when both are there.
TEST(ToyVm, NoGilLetsTwoThreadsRunAtOnce) {
  NoGil gil;
  std::latch both_running(2);
  const vm::Interpreter interpreter(gil, [&](GilInterface&, std::int64_t) { both_running.arrive_and_wait(); });
  const vm::Program program = vm::io_loop(1, 0);
  auto first = std::async(std::launch::async, [&] { return interpreter.run(program); });
  auto second = std::async(std::launch::async, [&] { return interpreter.run(program); });
  EXPECT_EQ(first.get().io_calls, 1);
  EXPECT_EQ(second.get().io_calls, 1);
}

// The Program constructor refuses code that could go wrong, naming the problem.
TEST(ToyVm, ProgramRefusesBrokenCode) {
  const auto refused = [](std::vector<vm::Instruction> code, std::size_t locals) {
    try {
      const vm::Program program("broken", std::move(code), locals);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused({}, 0).find("no instructions"), std::string::npos);
  EXPECT_NE(refused({{Op::kLoadLocal, 1}, {Op::kHalt, 0}}, 1).find("local 1"), std::string::npos);
  EXPECT_NE(refused({{Op::kJumpBack, 5}, {Op::kHalt, 0}}, 0).find("outside the code"), std::string::npos);
  EXPECT_NE(refused({{Op::kHalt, 0}, {Op::kJumpBack, 1}}, 0).find("accepted"), std::string::npos);
  EXPECT_NE(refused({{Op::kLoadConst, 0}, {Op::kJumpIfFalse, 0}, {Op::kHalt, 0}}, 0).find("forward"), std::string::npos);
  EXPECT_NE(refused({{Op::kJumpBack, 0}}, 0).find("accepted"), std::string::npos);
  EXPECT_NE(refused({{Op::kAdd, 0}, {Op::kHalt, 0}}, 0).find("empty stack"), std::string::npos);
  EXPECT_NE(refused({{Op::kLoadConst, 0}}, 0).find("past the last"), std::string::npos);
  EXPECT_NE(refused({{Op::kLoadConst, 1}, {Op::kLoadConst, 1}, {Op::kJumpBack, 1}, {Op::kHalt, 0}}, 0).find("depths"),
            std::string::npos);
  std::vector<vm::Instruction> deep(vm::Program::kMaxStack + 1, {Op::kLoadConst, 0});
  deep.push_back({Op::kHalt, 0});
  EXPECT_NE(refused(deep, 0).find("overflows"), std::string::npos);
}

}  // namespace
