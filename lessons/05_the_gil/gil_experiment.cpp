// Lesson 05 demo: the notes' experiment, run on the toy VM under your Gil. CPU-bound countdowns one
// after the other, on two threads under the GIL, on two threads with no GIL, and in two processes;
// the same countdown in real CPython when python3 is on PATH; I/O-bound threads, whose waits
// overlap because blocking calls release the GIL; and the convoy effect.
//
//   build/reference/demos/solution/05_the_gil/gil_experiment [--quick] [--trace gil.json]
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "allow_threads.hpp"
#include "gil.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/gil_interface.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/toy_vm.hpp"
#include "threadlings/trace_recorder.hpp"


namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using threadlings::GilInterface;
using threadlings::TraceRecorder;
using threadlings::lesson05::AllowThreads;
using threadlings::lesson05::Gil;
namespace vm = threadlings::vm;

// Wraps a GIL and draws, on each thread's track, when that thread holds it ("holds the GIL"), when
// it waits to take it, and when a requested drop waits for the hand-off (forced switching).
class TracedGil final : public GilInterface {
 public:
  TracedGil(GilInterface& gil, TraceRecorder& trace, std::string holding = "holds the GIL")
      : gil_(gil), trace_(trace), holding_(std::move(holding)) {}

  void take() override {
    const auto asked = Clock::now();
    gil_.take();
    const auto got = Clock::now();
    if (got - asked > kShortest) trace_.record("waits for the GIL", asked, got, "wait");
    held_since() = got;
  }
  void drop() override {
    const auto dropping = Clock::now();
    trace_.record(holding_, held_since(), dropping, "gil");
    gil_.drop();
    const auto dropped = Clock::now();
    if (dropped - dropping > kShortest) trace_.record("forced switch: waits for the hand-off", dropping, dropped, "wait");
  }
  [[nodiscard]] bool drop_requested() const noexcept override { return gil_.drop_requested(); }

 private:
  static constexpr auto kShortest = 20us;  // shorter waits are left out of the trace: they are noise
  static Clock::time_point& held_since() {
    thread_local Clock::time_point since;  // when the calling thread last took the GIL
    return since;
  }
  GilInterface& gil_;
  TraceRecorder& trace_;
  std::string holding_;
};

double seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }
double milliseconds(Clock::duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

std::string fixed(double value, int digits) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

// One row of a table: what ran, its wall time, and that time against the first row's.
void row(const std::string& what, double wall, double baseline, const std::string& note = "") {
  std::cout << "  " << std::left << std::setw(44) << what << std::right << std::setw(8) << fixed(wall, 3) << " s"
            << std::setw(9) << fixed(wall / baseline, 2) << "x  " << note << '\n';
}

// Runs each job on a thread of its own, named on the trace, and returns the wall time of them all.
double run_threads(TraceRecorder& trace, const std::vector<std::pair<std::string, std::function<void()>>>& jobs) {
  const threadlings::Stopwatch wall;
  std::vector<std::jthread> threads;
  for (const auto& [name, job] : jobs) {
    threads.emplace_back([&trace, &name, &job] {
      trace.name_thread(name);
      job();
    });
  }
  threads.clear();  // joins
  return wall.elapsed_seconds();
}

// The same countdown in `count` forked children, each with an interpreter and a GIL of its own, as
// multiprocessing gives each process; returns the wall time. Call with no other thread running.
double run_processes(int count, const vm::Program& program, TraceRecorder& trace,
                     const std::optional<std::filesystem::path>& trace_file) {
  const threadlings::Stopwatch wall;
  std::vector<pid_t> children;
  std::cout.flush();  // unflushed text would be copied into each child
  for (int p = 1; p <= count; ++p) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
      int code = 1;
      try {
        trace.name_process("process " + std::to_string(p) + " (forked)");
        trace.name_thread("main thread of process " + std::to_string(p));
        Gil gil;  // its own interpreter, its own GIL: nobody to share it with
        TracedGil traced(gil, trace);
        const vm::RunResult result = vm::Interpreter(traced).run(program);
        if (trace_file) trace.save(trace_file->string() + "." + std::to_string(::getpid()) + ".part");
        code = result.locals.at(0) == 0 ? 0 : 1;
      } catch (const std::exception& error) {
        std::cerr << "child: " << error.what() << '\n';
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    const int code = threadlings::exit_code_from_status(threadlings::wait_for_child(pid));
    if (code != 0) std::cout << "  (process " << pid << " failed with exit code " << code << ")\n";
    if (code == 0 && trace_file) {
      const std::filesystem::path part = trace_file->string() + "." + std::to_string(pid) + ".part";
      trace.merge_events_from(part);
      std::filesystem::remove(part);
    }
  }
  return wall.elapsed_seconds();
}

// ---- CPython, for comparison ------------------------------------------------------------------

// The countdown of the notes, in Python: twice in a row, then on two threads at once.
constexpr const char* kPythonScript = R"(import sys, threading, time
def countdown(n):
    while n > 0:
        n -= 1
n = int(sys.argv[1])
def serially():
    countdown(n); countdown(n)
def two_threads():
    threads = [threading.Thread(target=countdown, args=(n,)) for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
def timed(f):
    start = time.perf_counter(); f(); return time.perf_counter() - start
serial, both = float("inf"), float("inf")
for _ in range(int(sys.argv[2])):
    serial = min(serial, timed(serially)); both = min(both, timed(two_threads))
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(serial, both, sys.getswitchinterval(), sys.version.split()[0], int(gil))
counter = 0
def one():
    return 1
def plain(k):
    global counter
    for _ in range(k): counter += 1
def with_call(k):
    global counter
    for _ in range(k): counter += one()
sys.setswitchinterval(1e-6)  # switch as often as CPython allows, to show the race quickly
k = int(sys.argv[3])
for target in (plain, with_call):
    counter = 0
    threads = [threading.Thread(target=target, args=(k,)) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(counter, end=" ")
print(4 * k)
)";

struct CPythonTimes {
  double serial = 0;
  double threads = 0;
  double switch_interval = 0;
  std::string version;
  bool gil = true;
  long long plain_count = 0;      // four threads doing 'counter += 1' k times each
  long long with_call_count = 0;  // the same with 'counter += one()'
  long long expected_count = 0;   // 4 * k
};

// Runs kPythonScript with python3 from PATH and reads its times. Returns nothing, and says why in
// `why_not`, when there is no python3 or it fails.
std::optional<CPythonTimes> run_cpython(std::int64_t n, int rounds, std::string& why_not) {
  const threadlings::PythonRun run =
      threadlings::run_python(kPythonScript, {std::to_string(n), std::to_string(rounds), std::to_string(n / 25)});
  if (!run.output) {
    why_not = run.why_not;
    return std::nullopt;
  }
  CPythonTimes times;
  int gil = 1;
  std::istringstream fields(*run.output);
  if (!(fields >> times.serial >> times.threads >> times.switch_interval >> times.version >> gil >>
                     times.plain_count >> times.with_call_count >> times.expected_count)) {
    why_not = "python3 printed '" + *run.output + "', not the times";
    return std::nullopt;
  }
  times.gil = gil != 0;
  return times;
}

// ---- the demo -----------------------------------------------------------------------------------

// How many turns of the VM's countdown loop take about `target` on this machine (and this build):
// the best of three timings of a run long enough to measure (at least 20 ms).
std::int64_t calibrate(std::chrono::milliseconds target) {
  threadlings::NoGil no_gil;
  const vm::Interpreter interpreter(no_gil);
  std::int64_t turns = 250'000;
  for (;;) {
    const vm::Program program = vm::countdown(turns);
    auto best = Clock::duration::max();
    for (int round = 0; round < 3; ++round) {
      const auto start = Clock::now();
      (void)interpreter.run(program);
      best = std::min(best, Clock::now() - start);
    }
    if (best >= 20ms) return static_cast<std::int64_t>(static_cast<double>(turns) * seconds(target) / seconds(best));
    turns *= 4;
  }
}

struct CountdownRatios {
  double gil_threads = 0;  // 2 threads under the GIL / serial
};

// Two threads, each running `program` once, on one interpreter over `gil`; returns the wall time.
double two_threads(GilInterface& gil, const vm::Program& program, TraceRecorder& trace, const std::string& label,
                   const std::string& holding = "holds the GIL") {
  TracedGil traced(gil, trace, holding);
  const vm::Interpreter interpreter(traced);
  return run_threads(trace, {{label + ": thread A", [&] { (void)interpreter.run(program); }},
                             {label + ": thread B", [&] { (void)interpreter.run(program); }}});
}

CountdownRatios countdown_section(TraceRecorder& trace, const threadlings::DemoOptions& options) {
  const std::int64_t turns = options.quick ? 20'000 : calibrate(100ms);
  const int rounds = options.quick ? 1 : 5;
  const vm::Program program = vm::countdown(turns);
  std::cout << "1. CPU-bound: countdown(n) twice, n = " << turns
            << " (nine VM instructions per turn, like CPython's bytecode\n"
               "   for 'while n > 0: n -= 1'). Best of "
            << rounds << (rounds == 1 ? " round" : " rounds, the rows interleaved, so that other load on the\n"
                                                   "   machine hits each row alike")
            << ".\n";
  std::cout << "  " << std::left << std::setw(44) << "how" << std::right << std::setw(10) << "wall" << std::setw(10)
            << "vs serial" << "  GIL switches\n";
  constexpr double kNever = std::numeric_limits<double>::infinity();
  double serial = kNever;
  double with_gil = kNever;
  double without_gil = kNever;
  double processes = kNever;
  std::uint64_t switches = 0;
  for (int round = 1; round <= rounds; ++round) {
    TraceRecorder scratch;  // earlier rounds are measured but not drawn: the timeline shows the last
    const bool last = round == rounds;
    TraceRecorder& into = last ? trace : scratch;

    Gil serial_gil;
    TracedGil serial_traced(serial_gil, into);
    const vm::Interpreter serial_interpreter(serial_traced);
    serial = std::min(serial, run_threads(into, {{"serial: one thread, countdown twice", [&] {
                                                    (void)serial_interpreter.run(program);
                                                    (void)serial_interpreter.run(program);
                                                  }}}));
    Gil gil;
    const double this_round = two_threads(gil, program, into, "GIL");
    if (this_round < with_gil) {
      with_gil = this_round;
      switches = gil.switch_number();
    }
    threadlings::NoGil no_gil;
    without_gil = std::min(without_gil, two_threads(no_gil, program, into, "no GIL", "runs (no GIL)"));
    processes = std::min(processes, run_processes(2, program, into, last ? options.trace : std::nullopt));
  }
  row("serial (one thread, one after the other)", serial, serial, "1");
  row("2 threads under the GIL", with_gil, serial, std::to_string(switches));
  row("2 threads, no GIL (free-threaded VM)", without_gil, serial, "-");
  row("2 processes (fork), a GIL each", processes, serial, "-");
  std::cout << "  Under the GIL the two threads take turns every " << milliseconds(Gil::kDefaultSwitchInterval)
            << " ms or so: no faster than serial (about 1.0x). Without\n"
               "  it, or in two processes, both run at once: about 0.5x on two idle cores. C++ threads are the\n"
               "  'no GIL' row.\n\n";
  return {with_gil / serial};
}

void cpython_section(const CountdownRatios& simulated, const threadlings::DemoOptions& options) {
  const std::int64_t n = 5'000'000;
  const int rounds = 5;
  std::cout << "2. The same countdown in real CPython (python3 -c ..., n = " << n << ", best of " << rounds
            << " rounds), for comparison.\n";
  if (options.quick) {
    std::cout << "  skipped under --quick: starting python3 alone can take longer than a --quick run may.\n\n";
    return;
  }
  std::string why_not;
  const auto cpython = run_cpython(n, rounds, why_not);
  if (!cpython) {
    std::cout << "  skipped: " << why_not << ". (The course does not need Python; only this comparison does.)\n\n";
    return;
  }
  const double ratio = cpython->threads / cpython->serial;
  std::cout << "  CPython " << cpython->version << (cpython->gil ? " (GIL enabled)" : " (free-threaded: no GIL)")
            << ", switch interval " << cpython->switch_interval * 1000 << " ms\n"
            << "  serial " << fixed(cpython->serial, 3) << " s, 2 threads " << fixed(cpython->threads, 3) << " s\n"
            << "  2 threads / serial:  CPython " << fixed(ratio, 2) << "x   toy VM under your Gil "
            << fixed(simulated.gil_threads, 2) << "x   (difference "
            << fixed(100.0 * (simulated.gil_threads - ratio) / ratio, 1) << " %)\n";
  std::cout << "  The GIL does not make 'counter += 1' safe: 4 threads, " << cpython->expected_count / 4
            << " increments each, switch interval 1 us:\n"
            << "    counter += 1      -> " << cpython->plain_count << " of " << cpython->expected_count
            << "   (switches only at the loop's back-edge, between whole increments)\n"
            << "    counter += one()  -> " << cpython->with_call_count << " of " << cpython->expected_count
            << "   (a call inside the += lets a switch fall between load and store)\n";
  std::cout << '\n';
}

void io_section(TraceRecorder& trace, const threadlings::DemoOptions& options) {
  const int threads = 4;
  const std::int64_t waits = options.quick ? 2 : 20;
  const std::int64_t micros = options.quick ? 200 : 5'000;
  std::cout << "3. I/O-bound: " << threads << " jobs of " << waits << " blocking waits of " << static_cast<double>(micros) / 1000.0
            << " ms each (io_wait: a sleep, like time.sleep or a slow socket).\n";
  const auto releasing = [&trace](GilInterface& gil, std::int64_t us) {
    const AllowThreads allow(gil);  // Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS
    const auto span = trace.span("blocking call, GIL released", "io");
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  };
  const auto holding = [&trace](GilInterface&, std::int64_t us) {
    const auto span = trace.span("blocking call, GIL kept", "io");
    std::this_thread::sleep_for(std::chrono::microseconds(us));  // a C function that forgot to release the GIL
  };
  const vm::Program program = vm::io_loop(waits, micros);

  Gil serial_gil;
  TracedGil serial_traced(serial_gil, trace);
  const vm::Interpreter serial_interpreter(serial_traced, releasing);
  const double serial = run_threads(trace, {{"I/O serial: one thread", [&] {
                                               for (int t = 0; t < threads; ++t) (void)serial_interpreter.run(program);
                                             }}});
  row("serial (one thread, " + std::to_string(threads) + " jobs in turn)", serial, serial);

  const auto run_four = [&](const vm::Interpreter& interpreter, const std::string& label) {
    std::vector<std::pair<std::string, std::function<void()>>> jobs;
    for (int t = 0; t < threads; ++t) {
      jobs.emplace_back(label + " " + std::to_string(t + 1), [&interpreter, &program] { (void)interpreter.run(program); });
    }
    return run_threads(trace, jobs);
  };
  Gil gil;
  TracedGil traced(gil, trace);
  const double overlapped = run_four(vm::Interpreter(traced, releasing), "I/O, GIL released:");
  row(std::to_string(threads) + " threads under the GIL, released around I/O", overlapped, serial);

  Gil stuck_gil;
  TracedGil stuck_traced(stuck_gil, trace);
  const double stuck = run_four(vm::Interpreter(stuck_traced, holding), "I/O, GIL kept:");
  row(std::to_string(threads) + " threads under the GIL, kept during I/O", stuck, serial);
  std::cout << "  Waiting does not need the GIL: released (AllowThreads), the " << threads
            << " threads' waits overlap, about 1/" << threads << " of serial.\n"
               "  A blocking call that keeps the GIL serializes every thread again.\n\n";
}

struct IoLatency {
  double total = 0;
  double median_ms = 0;
  double worst_ms = 0;
};

// One I/O thread doing `waits` short waits, alone or beside a CPU-bound thread; measures how long each
// wake-up waits to get the GIL back (from the end of the blocking call to the end of AllowThreads).
IoLatency convoy_run(TraceRecorder& trace, std::int64_t waits, bool beside_cpu, std::chrono::nanoseconds interval,
                     const std::string& label) {
  Gil gil;
  gil.set_switch_interval(interval);
  TracedGil traced(gil, trace);
  std::vector<Clock::duration> latencies;  // written by the I/O thread only, read after the join
  const vm::Interpreter io_interpreter(traced, [&latencies, &trace](GilInterface& held, std::int64_t us) {
    Clock::time_point woke;
    {
      const AllowThreads allow(held);
      const auto begin = Clock::now();
      std::this_thread::sleep_for(std::chrono::microseconds(us));
      woke = Clock::now();
      trace.record("blocking call, GIL released", begin, woke, "io");
    }
    latencies.push_back(Clock::now() - woke);
  });
  vm::Interpreter cpu_interpreter(traced);
  IoLatency result;
  std::vector<std::pair<std::string, std::function<void()>>> jobs;
  if (beside_cpu) {
    jobs.emplace_back(label + ": CPU-bound thread", [&] {
      (void)cpu_interpreter.run(vm::countdown(std::numeric_limits<std::int64_t>::max()));
    });
  }
  jobs.emplace_back(label + ": I/O thread", [&] {
    const threadlings::Stopwatch wall;
    (void)io_interpreter.run(vm::io_loop(waits, 1'000));
    result.total = wall.elapsed_seconds();
    cpu_interpreter.request_stop();
  });
  (void)run_threads(trace, jobs);
  std::sort(latencies.begin(), latencies.end());
  result.median_ms = milliseconds(latencies[latencies.size() / 2]);
  result.worst_ms = milliseconds(latencies.back());
  return result;
}

void convoy_section(TraceRecorder& trace, const threadlings::DemoOptions& options) {
  const std::int64_t waits = options.quick ? 5 : 100;
  std::cout << "4. The convoy effect: an I/O thread doing " << waits
            << " waits of 1 ms; how long each wake-up waits to get the GIL back.\n";
  std::cout << "  " << std::left << std::setw(44) << "how" << std::right << std::setw(10) << "I/O thread"
            << std::setw(14) << "median wait" << std::setw(12) << "worst" << '\n';
  // Milliseconds, or microseconds below a tenth of a millisecond.
  const auto wait_time = [](double ms) { return ms < 0.1 ? fixed(ms * 1000, 1) + " us" : fixed(ms, 3) + " ms"; };
  const auto show = [&](const std::string& what, const IoLatency& latency) {
    std::cout << "  " << std::left << std::setw(44) << what << std::right << std::setw(8) << fixed(latency.total, 3)
              << " s" << std::setw(14) << wait_time(latency.median_ms) << std::setw(12) << wait_time(latency.worst_ms)
              << '\n';
  };
  show("alone", convoy_run(trace, waits, false, Gil::kDefaultSwitchInterval, "convoy, alone"));
  show("beside a CPU-bound thread (interval 5 ms)", convoy_run(trace, waits, true, Gil::kDefaultSwitchInterval, "convoy, 5 ms"));
  show("beside a CPU-bound thread (interval 0.5 ms)", convoy_run(trace, waits, true, 500us, "convoy, 0.5 ms"));
  std::cout << "  Each wake-up finds the CPU-bound thread holding the GIL and waits a whole switch interval\n"
               "  before it may even ask for it: a 1 ms wait costs about 6 ms. A shorter interval\n"
               "  (sys.setswitchinterval) shortens the convoy, at the price of more switches.\n";
}

int demo(const threadlings::DemoOptions& options) {
  TraceRecorder trace;
  trace.name_process("gil_experiment");
  std::cout << "Lesson 05: the GIL, simulated. A toy bytecode VM runs the notes' countdown on threads that\n"
               "take turns under your Gil (switch interval "
            << milliseconds(Gil::kDefaultSwitchInterval) << " ms, as sys.getswitchinterval()). "
            << std::thread::hardware_concurrency() << " cores.\n\n";
  const CountdownRatios ratios = countdown_section(trace, options);
  cpython_section(ratios, options);
  io_section(trace, options);
  convoy_section(trace, options);
  if (options.trace) {
    std::cout << "\nIn the timeline each thread has a track: 'holds the GIL' spans never overlap under one GIL,\n"
                 "and the 'no GIL' and process tracks do.";
  }
  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv,
                               "Lesson 05: CPython's GIL on a toy VM: CPU-bound and I/O-bound threads, the convoy effect",
                               demo);
}
