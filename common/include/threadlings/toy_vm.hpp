#pragma once
/// @file
/// A toy bytecode VM whose threads run under a GIL, the way CPython's do: enough of an interpreter
/// to show what a global interpreter lock does to CPU-bound and I/O-bound threads (lesson 05).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "threadlings/gil_interface.hpp"

namespace threadlings::vm {

/// The VM's instructions. Values are 64-bit integers on an operand stack; locals are numbered slots.
enum class Op : std::uint8_t {
  kLoadConst,    ///< push `argument`
  kLoadLocal,    ///< push locals[argument]
  kStoreLocal,   ///< locals[argument] = pop
  kAdd,          ///< b = pop, a = pop, push a + b (wraps around on overflow)
  kSubtract,     ///< b = pop, a = pop, push a - b (wraps around on overflow)
  kGreater,      ///< b = pop, a = pop, push 1 if a > b, else 0
  kJumpIfFalse,  ///< pop; when it is 0, continue at `argument` (a forward jump)
  kJumpBack,     ///< continue at `argument` (a backward jump): a back-edge, where the GIL's drop
                 ///< request is checked, like CPython's JUMP_BACKWARD
  kIoWait,       ///< call the interpreter's IoFunction with `argument`, holding the GIL
  kHalt,         ///< end the program
};

/// One instruction: an operation and its argument (ignored by the operations that take none).
struct Instruction {
  Op op = Op::kHalt;
  std::int64_t argument = 0;
};

/// A checked program: the constructor proves that it can run without going wrong, so the
/// interpreter's loop needs no checks of its own.
///
/// @threadsafety Immutable after construction: any number of threads may run one Program at once.
class Program {
 public:
  /// The deepest operand stack a program may need.
  static constexpr std::size_t kMaxStack = 16;

  /// Checks `code` and keeps it. Throws std::invalid_argument, naming the instruction, when: the code
  /// is empty; a local index is not below `locals`; a jump leaves the code; kJumpIfFalse does not go
  /// forward or kJumpBack does not go backward (or to itself); an instruction pops from an empty
  /// stack or pushes past kMaxStack; two paths reach an instruction with different stack depths; the
  /// last instruction can fall off the end.
  Program(std::string name, std::vector<Instruction> code, std::size_t locals);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::vector<Instruction>& code() const noexcept { return code_; }
  [[nodiscard]] std::size_t locals() const noexcept { return locals_; }
  /// True when the program contains kIoWait (so it needs an IoFunction to run).
  [[nodiscard]] bool does_io() const noexcept { return does_io_; }

 private:
  std::string name_;
  std::vector<Instruction> code_;
  std::size_t locals_;
  bool does_io_ = false;
};

/// `n = start; while n > 0: n -= 1` (David Beazley's countdown): CPU-bound, nine instructions per
/// turn of the loop, a back-edge at the end of each. Local 0 ends as 0. `start` must be >= 0.
[[nodiscard]] Program countdown(std::int64_t start);

/// `n = waits; while n > 0: io_wait(argument); n -= 1`: I/O-bound, one kIoWait per turn.
/// Local 0 ends as 0. `waits` must be >= 0.
[[nodiscard]] Program io_loop(std::int64_t waits, std::int64_t argument);

/// What kIoWait calls: a stand-in for a C function such as time.sleep or socket.recv, which the
/// interpreter calls holding the GIL. It is expected to release the GIL around its blocking part
/// (lesson 05's AllowThreads) and must return holding it again. One that blocks without releasing
/// the GIL stops every other thread of the interpreter, exactly as in CPython.
using IoFunction = std::function<void(GilInterface& gil, std::int64_t argument)>;

/// What one run of a program did.
struct RunResult {
  std::vector<std::int64_t> locals;   ///< the locals when the run ended
  std::int64_t instructions = 0;      ///< instructions executed
  std::int64_t back_edges = 0;        ///< kJumpBack instructions executed
  std::int64_t drops_on_request = 0;  ///< times this thread dropped and re-took the GIL because a drop was requested
  std::int64_t io_calls = 0;          ///< kIoWait instructions executed
  bool stopped = false;               ///< ended by request_stop() rather than kHalt
};

/// The interpreter: a GIL, an I/O function and a stop flag shared by every thread that runs a
/// program on it (CPython's PyInterpreterState, much reduced). Each call of run() is one Python
/// thread's evaluation loop; each thread has its own locals and operand stack.
///
/// ```cpp
/// lesson05::Gil gil;
/// vm::Interpreter interpreter(gil);
/// const vm::Program program = vm::countdown(10'000'000);
/// std::thread a([&] { interpreter.run(program); });   // the two take turns holding the GIL
/// std::thread b([&] { interpreter.run(program); });
/// ```
///
/// @threadsafety run() may be called from many threads at once; request_stop() from any thread.
/// The GIL and the I/O function must outlive every run.
class Interpreter {
 public:
  /// An interpreter whose threads run under `gil` and whose kIoWait calls `io` (may be empty for
  /// programs without kIoWait).
  explicit Interpreter(GilInterface& gil, IoFunction io = {});

  /// Runs `program` on the calling thread: takes the GIL, executes until kHalt or a stop request,
  /// drops the GIL, and returns what happened.
  /// Blocks: while other threads hold the GIL, and inside the I/O function.
  /// At each back-edge: when the GIL's drop_requested() is true, drops and re-takes it (another
  /// thread gets its turn); when a stop was requested, ends the run with `stopped` set.
  /// Throws std::invalid_argument (before taking the GIL) when the program does I/O and the
  /// interpreter has no IoFunction. Whatever take() or the I/O function throws propagates; the GIL
  /// is dropped first if this thread holds it.
  [[nodiscard]] RunResult run(const Program& program) const;

  /// Makes every current and future run() end at its next back-edge (or at kHalt, if sooner), like
  /// a KeyboardInterrupt delivered through CPython's eval breaker. Never blocks.
  void request_stop() noexcept;

  [[nodiscard]] GilInterface& gil() const noexcept { return gil_; }

 private:
  GilInterface& gil_;
  IoFunction io_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace threadlings::vm
