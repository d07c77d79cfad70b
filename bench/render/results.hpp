// bench/render/results.hpp: one bench program's Google Benchmark JSON file, read into comparisons
// (ours and peers, time per operation, missing peers) and the ratios "ours / peer" between them,
// by the same rules the programs print theirs with (bench/support/measurement.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "measurement.hpp"

namespace threadlings::bench::render {

/// One side of a comparison: what it is, and either its time per operation or why it is missing.
/// @threadsafety A value: copy it freely.
struct Side {
  BenchName name;
  std::optional<double> seconds_per_op;  ///< empty when missing (or when no usable sample was found)
  std::string missing;                   ///< why it did not run; empty when it ran
};

/// One comparison of a program: its key, its one-line description, its sides in registration order.
/// @threadsafety A value: copy it freely.
struct Comparison {
  std::string name;
  std::string description;
  std::vector<Side> sides;
};

/// One ratio: an "ours" side against a "peer" side of the same comparison.
/// @threadsafety A value: copy it freely.
struct Ratio {
  const Side* ours = nullptr;  ///< points into the Comparison it was made from
  const Side* peer = nullptr;
  std::optional<double> value;  ///< ours / peer of the time per operation; empty when a side is missing
};

/// Every ours x peer pair of `comparison`, ours in order, then peers in order. The pointers refer
/// into `comparison`, which must outlive the result.
[[nodiscard]] std::vector<Ratio> ratios(const Comparison& comparison);

/// What one program's JSON file says.
/// @threadsafety A value: copy it freely.
struct ProgramResults {
  std::string program;           ///< the file's stem: the program's name, and the chart's
  std::string title;             ///< the program's one-line title (context "program")
  std::string host;              ///< context host_name
  std::string date;              ///< context date
  int cpus = 0;                  ///< context num_cpus
  std::vector<double> load_avg;  ///< context load_avg (1, 5, 15 minutes), when the library reports it
  bool medians = false;          ///< true when the figures are medians of repetitions
  std::vector<Comparison> comparisons;  ///< in the order the program registered them
  std::vector<std::string> others;      ///< benchmarks whose names do not follow the naming rule
};

/// Reads a file written with --benchmark_out=FILE --benchmark_out_format=json.
/// Throws std::runtime_error, naming the file, when it can not be read or is not such a file.
[[nodiscard]] ProgramResults read_results(const std::filesystem::path& json_file);

}  // namespace threadlings::bench::render
