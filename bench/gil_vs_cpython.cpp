// bench/gil_vs_cpython.cpp: lesson 05's Gil driving the course's toy bytecode VM, against real CPython
// running the same loop (David Beazley's countdown, `while n > 0: n -= 1`, n = 1 000 000):
//   countdown_serial:    countdown(n) twice on one thread;
//   countdown_2_threads: countdown(n) on each of two threads at once, which take turns under the GIL.
// CPython runs in one python3 process started once (when python3 is on PATH; otherwise both peers
// are reported missing), which times each job itself with time.perf_counter(): the interpreter's
// start-up is not counted. After the ratios the program prints the GIL's penalty, 2 threads / serial,
// for both: the simulation is faithful when the two penalties are close.
//
//   build/bench/bench/gil_vs_cpython [--benchmark_out=g.json --benchmark_out_format=json]
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "05_the_gil/gil.hpp"  // solutions/, through the lesson library
#include "bench.hpp"
#include "threadlings/io.hpp"
#include "threadlings/sigpipe_blocked.hpp"
#include "threadlings/toy_vm.hpp"
#include "threadlings/unique_fd.hpp"

extern char** environ;  // NOLINT: POSIX's, for posix_spawnp

namespace {

using threadlings::UniqueFd;
using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson05::Gil;
namespace vm = threadlings::vm;

constexpr std::int64_t kTurns = 1'000'000;

// What the python3 process runs: it prints its version and whether its GIL is on, then answers each
// line "serial N" or "threads N" on stdin with the seconds that job took, until stdin closes.
constexpr std::string_view kPythonScript = R"(import sys, threading, time
def countdown(n):
    while n > 0:
        n -= 1
gil = getattr(sys, '_is_gil_enabled', lambda: True)()
print('%d.%d.%d' % sys.version_info[:3], int(gil), flush=True)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    mode, n = line.split()
    n = int(n)
    t0 = time.perf_counter()
    if mode == 'serial':
        countdown(n)
        countdown(n)
    else:
        threads = [threading.Thread(target=countdown, args=(n,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(time.perf_counter() - t0, flush=True)
)";

// One python3 process running kPythonScript, and the two pipes to talk to it.
//
// Thread-safety: not synchronized; one thread at a time may call request() (Google Benchmark runs
// benchmarks one after the other, on the main thread). The destructor closes the process's stdin,
// which ends the script, and reaps it.
class PythonWorker {
 public:
  // Starts python3 from PATH. Throws std::runtime_error, saying why, when it can not be started or
  // does not print its version line.
  PythonWorker() {
    threadlings::Pipe to_child = threadlings::make_pipe();
    threadlings::Pipe from_child = threadlings::make_pipe();
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, to_child.read_end.get(), STDIN_FILENO);  // dup2 clears close-on-exec
    ::posix_spawn_file_actions_adddup2(&actions, from_child.write_end.get(), STDOUT_FILENO);
    std::string program = "python3";
    std::string dash_c = "-c";
    std::string script(kPythonScript);
    std::array<char*, 4> argv{program.data(), dash_c.data(), script.data(), nullptr};
    const int error = ::posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      pid_ = -1;
      throw std::runtime_error(error == ENOENT ? "python3 is not on PATH"
                                               : std::string("posix_spawnp(python3): ") + std::strerror(error));
    }
    to_child_ = std::move(to_child.write_end);
    from_child_ = std::move(from_child.read_end);
    const std::optional<std::string> hello = read_line();
    std::istringstream fields(hello.value_or(""));
    int gil = 1;
    if (!(fields >> version_ >> gil)) {
      throw std::runtime_error("python3 did not start the comparison script (it printed '" + hello.value_or("") + "')");
    }
    gil_enabled_ = gil != 0;
  }

  ~PythonWorker() {
    to_child_.reset();  // end of file on its stdin: the script's loop ends
    from_child_.reset();
    if (pid_ > 0) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  PythonWorker(const PythonWorker&) = delete;
  PythonWorker& operator=(const PythonWorker&) = delete;

  [[nodiscard]] const std::string& version() const noexcept { return version_; }
  [[nodiscard]] bool gil_enabled() const noexcept { return gil_enabled_; }

  // Runs one job ("serial" or "threads", with n turns) and returns the seconds CPython measured;
  // nothing when the process is gone or answers nonsense.
  std::optional<double> request(std::string_view mode, std::int64_t n) {
    const std::string line = std::string(mode) + " " + std::to_string(n) + "\n";
    try {
      const threadlings::SigpipeBlocked no_sigpipe;  // a dead python3 is an error, not our death
      threadlings::write_all(to_child_.get(), std::as_bytes(std::span(line.data(), line.size())));
    } catch (const std::system_error&) {
      return std::nullopt;
    }
    const std::optional<std::string> answer = read_line();
    if (!answer) return std::nullopt;
    char* end = nullptr;
    const double seconds = std::strtod(answer->c_str(), &end);
    if (end == answer->c_str() || seconds <= 0.0) return std::nullopt;
    return seconds;
  }

 private:
  // The next line the script printed, without its newline; nothing at end of file.
  std::optional<std::string> read_line() {
    for (;;) {
      if (const std::size_t newline = buffered_.find('\n'); newline != std::string::npos) {
        std::string line = buffered_.substr(0, newline);
        buffered_.erase(0, newline + 1);
        return line;
      }
      std::array<char, 256> chunk{};
      const ssize_t got = ::read(from_child_.get(), chunk.data(), chunk.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return std::nullopt;
      buffered_.append(chunk.data(), static_cast<std::size_t>(got));
    }
  }

  pid_t pid_ = -1;
  UniqueFd to_child_;    // its stdin
  UniqueFd from_child_;  // its stdout
  std::string buffered_;
  std::string version_;
  bool gil_enabled_ = true;
};

// The one python3 process of this program, started by start_python_worker() while the benchmarks
// are registered, ended by main() after the run.
std::optional<PythonWorker>& python_worker() {
  static std::optional<PythonWorker> worker;
  return worker;
}

// Starts the python3 process if needed; returns an empty string when it runs, else why it does not.
std::string start_python_worker() {
  try {
    python_worker().emplace();
    return {};
  } catch (const std::exception& error) {
    return error.what();
  }
}

std::string cpython_label() {
  const PythonWorker& worker = *python_worker();
  return "CPython " + worker.version() + (worker.gil_enabled() ? "" : " (free-threaded, no GIL)");
}

// A CPython side: each iteration asks the python3 process for one job and reports its own timing.
void add_cpython(const std::string& comparison, std::string_view mode, const Options& options) {
  threadlings::bench::add(comparison, Role::peer, cpython_label(), options, [mode](benchmark::State& state) {
    for (auto _ : state) {
      const std::optional<double> seconds = python_worker()->request(mode, kTurns);
      if (!seconds) {
        state.SkipWithError("python3 stopped answering");
        break;
      }
      state.SetIterationTime(*seconds);
    }
  });
}

constexpr const char* kOurs = "toy VM under lesson05::Gil";

void register_benchmarks() {
  threadlings::bench::describe("countdown_serial", "countdown(1 000 000) twice on one thread; time per pair of countdowns");
  threadlings::bench::describe("countdown_2_threads",
                               "countdown(1 000 000) on each of 2 threads at once, under one GIL; time for both");
  const Options options{.min_time_seconds = 0.5, .unit = benchmark::kMillisecond};

  threadlings::bench::add("countdown_serial", Role::ours, kOurs, options, [](benchmark::State& state) {
    const vm::Program program = vm::countdown(kTurns);
    Gil gil;
    const vm::Interpreter interpreter(gil);
    for (auto _ : state) {
      benchmark::DoNotOptimize(interpreter.run(program));
      benchmark::DoNotOptimize(interpreter.run(program));
    }
  });
  threadlings::bench::add("countdown_2_threads", Role::ours, kOurs, options, [](benchmark::State& state) {
    const vm::Program program = vm::countdown(kTurns);
    Gil gil;
    const vm::Interpreter interpreter(gil);
    for (auto _ : state) {
      std::jthread a([&] { benchmark::DoNotOptimize(interpreter.run(program)); });
      std::jthread b([&] { benchmark::DoNotOptimize(interpreter.run(program)); });
    }
  });

  if (const std::string why_not = start_python_worker(); !why_not.empty()) {
    const std::string why = why_not + " (the course does not need Python; only this comparison does)";
    threadlings::bench::add_missing("countdown_serial", Role::peer, "CPython", why);
    threadlings::bench::add_missing("countdown_2_threads", Role::peer, "CPython", why);
    return;
  }
  Options cpython = options;
  cpython.manual_time = true;
  add_cpython("countdown_serial", "serial", cpython);
  add_cpython("countdown_2_threads", "threads", cpython);
}

// After the ratios: the GIL's penalty, 2 threads / serial, in the simulation and in CPython.
void print_gil_penalty(const threadlings::bench::Results& results, std::ostream& out) {
  const auto penalty = [&results](const std::string& label) -> std::optional<double> {
    const Role role = label == kOurs ? Role::ours : Role::peer;
    const auto serial = results.seconds_per_op("countdown_serial", role, label);
    const auto threads = results.seconds_per_op("countdown_2_threads", role, label);
    if (!serial || !threads) return std::nullopt;
    return *threads / *serial;
  };
  const std::optional<double> ours = penalty(kOurs);
  const std::optional<double> cpython = python_worker() ? penalty(cpython_label()) : std::nullopt;
  if (!ours) return;
  out << "\nThe GIL's penalty, 2 threads / serial (the same work; 1.00x: threads gain nothing, 0.50x: two\n"
         "cores in parallel):\n"
      << "  " << std::left << std::setw(34) << kOurs << threadlings::bench::format_ratio(*ours) << '\n';
  if (cpython) out << "  " << std::left << std::setw(34) << cpython_label() << threadlings::bench::format_ratio(*cpython) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  const int status = threadlings::bench::run_main(argc, argv,
                                                  "gil_vs_cpython: the toy VM under lesson 05's Gil against CPython, "
                                                  "countdown on one thread and on two",
                                                  print_gil_penalty);
  python_worker().reset();  // ends and reaps python3
  return status;
}
