// bench/support/bench.hpp: what every bench program uses to register its comparisons and to run.
// A program registers each side of a comparison with add() (or add_missing() for a peer this machine
// lacks), says in describe() what a comparison measures, and hands main() to run_main(), which runs
// Google Benchmark and then prints the table of ratios "ours / peer".
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "measurement.hpp"

namespace threadlings::bench {

/// How one benchmark is timed.
/// @threadsafety A value: copy it freely.
struct Options {
  /// Google Benchmark runs the body until at least this much (real or manual) time has passed.
  double min_time_seconds = 0.3;
  /// The unit of Google Benchmark's own console columns (the ratio table picks its own).
  benchmark::TimeUnit unit = benchmark::kMicrosecond;
  /// How many operations one iteration performs (a batch of items, tasks, messages); the ratio
  /// table and the charts show time per operation. Also sets items_per_second when above 1.
  std::int64_t ops_per_iteration = 1;
  /// The body times each iteration itself with state.SetIterationTime() (used for CPython, whose
  /// time is measured inside the interpreter, start-up excluded). Otherwise: wall-clock real time,
  /// never CPU time, which would count only the benchmark's own thread.
  bool manual_time = false;
};

/// A benchmark body, as Google Benchmark runs it: `for (auto _ : state) { ... }`.
using Body = std::function<void(benchmark::State&)>;

/// Registers the benchmark "<comparison>/<role>:<label>" (see measurement.hpp for the naming rule).
/// Throws std::invalid_argument when the comparison is not an identifier (letters, digits, '_'), or
/// the label is empty or
/// holds a '/'.
/// @threadsafety Call from main() before run_main(), on one thread (Google Benchmark's registry is
/// not synchronized).
void add(const std::string& comparison, Role role, const std::string& label, const Options& options, Body body);

/// Registers a side that can not run on this machine (a peer not installed, python3 not on PATH):
/// its benchmark stops at once with `why` (Google Benchmark's SkipWithError, which the JSON keeps as
/// error_message), and the ratio table and the chart say that it is missing and why.
/// @threadsafety As add().
void add_missing(const std::string& comparison, Role role, const std::string& label, const std::string& why);

/// What a comparison measures, in one line ("start and join a thread that does nothing; per
/// thread"). Printed above its rows in the ratio table, and kept in the JSON's context under
/// "comparison:<name>", where bench/render finds it for the chart.
/// @threadsafety As add().
void describe(const std::string& comparison, const std::string& what);

/// The measured time per operation of every benchmark that ran, after run_main() ran them.
/// @threadsafety Filled by one thread (the reporter's) during the run; afterwards read-only and safe
/// to read from any thread.
class Results {
 public:
  /// Seconds per operation of one benchmark; nothing when it did not run (filtered out, missing).
  [[nodiscard]] std::optional<double> seconds_per_op(const std::string& comparison, Role role,
                                                     const std::string& label) const;

  /// Adds one sample (called by the reporter as Google Benchmark reports runs).
  void add_sample(const BenchName& name, const Sample& sample);

 private:
  std::map<std::string, std::vector<Sample>> samples_;  // by BenchName::str()
};

/// What run_main() calls after the ratio table, for a program's own derived figures (the GIL
/// program prints "2 threads / serial" for the toy VM and for CPython).
using Epilogue = std::function<void(const Results& results, std::ostream& out)>;

/// The flag that makes a bench program exit at once with status 0, before anything else runs: the
/// cheapest child `posix_spawn` can start of the same executable (process_start_join's raw peer).
inline constexpr std::string_view kExitAtOnceFlag = "--threadlings-bench-exit";

/// The whole main() of a bench program:
/// - exits at once for kExitAtOnceFlag; runs a spawned child (lesson 06's spawn start method) when
///   argv says it is one, and never returns then;
/// - gives Google Benchmark these defaults, which flags on the command line override:
///   --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
///   --benchmark_display_aggregates_only=true (three runs of each benchmark, in random order, so
///   that a burst of load on the machine does not fall on one side of a comparison only; the median
///   is what counts);
/// - runs the benchmarks with the console reporter, and writes the JSON file when asked
///   (--benchmark_out=FILE --benchmark_out_format=json);
/// - prints the ratio table of every registered comparison, then calls `epilogue` if given.
/// Returns 0, or 2 after a usage error (an unknown flag), with Google Benchmark's message.
/// @threadsafety Call once, from main().
int run_main(int argc, char** argv, const std::string& title, const Epilogue& epilogue = {});

}  // namespace threadlings::bench
