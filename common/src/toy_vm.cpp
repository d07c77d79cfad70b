#include "threadlings/toy_vm.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace threadlings::vm {

namespace {

std::string where(const std::string& name, std::size_t pc) {
  return "program '" + name + "', instruction " + std::to_string(pc) + ": ";
}

// How many operands an instruction pops and pushes.
struct StackEffect {
  std::size_t pops;
  std::size_t pushes;
};

StackEffect stack_effect(Op op) {
  switch (op) {
    case Op::kLoadConst:
    case Op::kLoadLocal:
      return {0, 1};
    case Op::kStoreLocal:
    case Op::kJumpIfFalse:
      return {1, 0};
    case Op::kAdd:
    case Op::kSubtract:
    case Op::kGreater:
      return {2, 1};
    case Op::kJumpBack:
    case Op::kIoWait:
    case Op::kHalt:
      return {0, 0};
  }
  throw std::invalid_argument("unknown operation");
}

// Wrapping arithmetic: signed overflow is undefined behaviour, unsigned overflow is not.
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_subtract(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

// The calling thread's hold on the GIL for one run: taken on construction, dropped by release() or,
// when an exception ends the run, by the destructor.
class GilHold {
 public:
  explicit GilHold(GilInterface& gil) : gil_(gil) {
    gil_.take();
    held_ = true;
  }
  ~GilHold() {
    if (!held_) return;
    try {
      gil_.drop();
    } catch (...) {
      // Already unwinding an exception from the run; a second one would call std::terminate.
    }
  }
  GilHold(const GilHold&) = delete;
  GilHold& operator=(const GilHold&) = delete;

  // The eval breaker's answer to a drop request: let another thread run, then carry on.
  void let_another_thread_run() {
    held_ = false;  // before drop(): a drop that throws must not be retried by the destructor
    gil_.drop();
    gil_.take();
    held_ = true;
  }

  void release() {
    held_ = false;
    gil_.drop();
  }

 private:
  GilInterface& gil_;
  bool held_ = false;
};

}  // namespace

Program::Program(std::string name, std::vector<Instruction> code, std::size_t locals)
    : name_(std::move(name)), code_(std::move(code)), locals_(locals) {
  if (code_.empty()) throw std::invalid_argument("program '" + name_ + "': no instructions");
  const std::size_t size = code_.size();
  // Abstract interpretation over stack depths: every instruction is reached with one known depth.
  constexpr std::size_t kUnseen = static_cast<std::size_t>(-1);
  std::vector<std::size_t> depth_at(size, kUnseen);
  std::vector<std::size_t> to_visit{0};
  depth_at[0] = 0;
  const auto reach = [&](std::size_t from, std::size_t target, std::size_t depth) {
    if (target >= size) throw std::invalid_argument(where(name_, from) + "continues past the last instruction");
    if (depth_at[target] == kUnseen) {
      depth_at[target] = depth;
      to_visit.push_back(target);
    } else if (depth_at[target] != depth) {
      throw std::invalid_argument(where(name_, target) + "reached with stack depths " +
                                  std::to_string(depth_at[target]) + " and " + std::to_string(depth));
    }
  };
  for (std::size_t pc = 0; pc < size; ++pc) {
    const Instruction& instruction = code_[pc];
    if (instruction.op == Op::kIoWait) does_io_ = true;
    if ((instruction.op == Op::kLoadLocal || instruction.op == Op::kStoreLocal) &&
        (instruction.argument < 0 || static_cast<std::size_t>(instruction.argument) >= locals_)) {
      throw std::invalid_argument(where(name_, pc) + "local " + std::to_string(instruction.argument) +
                                  " does not exist (the program has " + std::to_string(locals_) + ")");
    }
    if (instruction.op == Op::kJumpIfFalse || instruction.op == Op::kJumpBack) {
      const std::int64_t target = instruction.argument;
      if (target < 0 || static_cast<std::size_t>(target) >= size) {
        throw std::invalid_argument(where(name_, pc) + "jumps to " + std::to_string(target) + ", outside the code");
      }
      if (instruction.op == Op::kJumpIfFalse && static_cast<std::size_t>(target) <= pc) {
        throw std::invalid_argument(where(name_, pc) + "jump_if_false must jump forward");
      }
      if (instruction.op == Op::kJumpBack && static_cast<std::size_t>(target) > pc) {
        throw std::invalid_argument(where(name_, pc) + "jump_back must jump backward");
      }
    }
  }
  while (!to_visit.empty()) {
    const std::size_t pc = to_visit.back();
    to_visit.pop_back();
    const Instruction& instruction = code_[pc];
    const StackEffect effect = stack_effect(instruction.op);
    const std::size_t depth = depth_at[pc];
    if (depth < effect.pops) throw std::invalid_argument(where(name_, pc) + "pops from an empty stack");
    const std::size_t after = depth - effect.pops + effect.pushes;
    if (after > kMaxStack) throw std::invalid_argument(where(name_, pc) + "overflows the operand stack");
    switch (instruction.op) {
      case Op::kHalt:
        break;
      case Op::kJumpBack:
        reach(pc, static_cast<std::size_t>(instruction.argument), after);
        break;
      case Op::kJumpIfFalse:
        reach(pc, static_cast<std::size_t>(instruction.argument), after);
        reach(pc, pc + 1, after);
        break;
      default:
        reach(pc, pc + 1, after);
        break;
    }
  }
}

Program countdown(std::int64_t start) {
  if (start < 0) throw std::invalid_argument("countdown: start must be >= 0");
  return Program("countdown(" + std::to_string(start) + ")",
                 {
                     {Op::kLoadConst, start},  // 0  n = start
                     {Op::kStoreLocal, 0},     // 1
                     {Op::kLoadLocal, 0},      // 2  while n > 0:
                     {Op::kLoadConst, 0},      // 3
                     {Op::kGreater, 0},        // 4
                     {Op::kJumpIfFalse, 11},   // 5
                     {Op::kLoadLocal, 0},      // 6      n -= 1
                     {Op::kLoadConst, 1},      // 7
                     {Op::kSubtract, 0},       // 8
                     {Op::kStoreLocal, 0},     // 9
                     {Op::kJumpBack, 2},       // 10 (back-edge: the GIL's drop request is checked here)
                     {Op::kHalt, 0},           // 11
                 },
                 1);
}

Program io_loop(std::int64_t waits, std::int64_t argument) {
  if (waits < 0) throw std::invalid_argument("io_loop: waits must be >= 0");
  return Program("io_loop(" + std::to_string(waits) + ")",
                 {
                     {Op::kLoadConst, waits},   // 0  n = waits
                     {Op::kStoreLocal, 0},      // 1
                     {Op::kLoadLocal, 0},       // 2  while n > 0:
                     {Op::kLoadConst, 0},       // 3
                     {Op::kGreater, 0},         // 4
                     {Op::kJumpIfFalse, 12},    // 5
                     {Op::kIoWait, argument},   // 6      io_wait(argument)
                     {Op::kLoadLocal, 0},       // 7      n -= 1
                     {Op::kLoadConst, 1},       // 8
                     {Op::kSubtract, 0},        // 9
                     {Op::kStoreLocal, 0},      // 10
                     {Op::kJumpBack, 2},        // 11
                     {Op::kHalt, 0},            // 12
                 },
                 1);
}

Interpreter::Interpreter(GilInterface& gil, IoFunction io) : gil_(gil), io_(std::move(io)) {}

void Interpreter::request_stop() noexcept { stop_requested_.store(true, std::memory_order_relaxed); }

RunResult Interpreter::run(const Program& program) const {
  if (program.does_io() && !io_) {
    throw std::invalid_argument("Interpreter::run: program '" + program.name() +
                                "' does I/O and the interpreter has no IoFunction");
  }
  RunResult result;
  result.locals.assign(program.locals(), 0);
  std::int64_t* const locals = result.locals.data();
  std::array<std::int64_t, Program::kMaxStack> stack{};
  std::size_t top = 0;  // the number of values on the stack; the Program proved it stays in range
  const Instruction* const code = program.code().data();
  std::size_t pc = 0;
  std::int64_t instructions = 0;
  std::int64_t back_edges = 0;

  GilHold hold(gil_);
  for (bool running = true; running;) {
    const Instruction& instruction = code[pc++];
    ++instructions;
    switch (instruction.op) {
      case Op::kLoadConst:
        stack[top++] = instruction.argument;
        break;
      case Op::kLoadLocal:
        stack[top++] = locals[instruction.argument];
        break;
      case Op::kStoreLocal:
        locals[instruction.argument] = stack[--top];
        break;
      case Op::kAdd:
        --top;
        stack[top - 1] = wrapping_add(stack[top - 1], stack[top]);
        break;
      case Op::kSubtract:
        --top;
        stack[top - 1] = wrapping_subtract(stack[top - 1], stack[top]);
        break;
      case Op::kGreater:
        --top;
        stack[top - 1] = stack[top - 1] > stack[top] ? 1 : 0;
        break;
      case Op::kJumpIfFalse:
        if (stack[--top] == 0) pc = static_cast<std::size_t>(instruction.argument);
        break;
      case Op::kJumpBack:
        pc = static_cast<std::size_t>(instruction.argument);
        ++back_edges;
        // The eval breaker: two cheap loads per back-edge, the slow path only when one is set.
        if (stop_requested_.load(std::memory_order_relaxed)) {
          result.stopped = true;
          running = false;
        } else if (gil_.drop_requested()) {
          hold.let_another_thread_run();
          ++result.drops_on_request;
        }
        break;
      case Op::kIoWait:
        ++result.io_calls;
        io_(gil_, instruction.argument);  // called holding the GIL; it releases it around its blocking part
        break;
      case Op::kHalt:
        running = false;
        break;
    }
  }
  hold.release();
  result.instructions = instructions;
  result.back_edges = back_edges;
  return result;
}

}  // namespace threadlings::vm
