// bench/support/measurement.hpp: the two rules that every bench program and bench/render share, so
// that a program's printed ratios and the charts rendered from its JSON always agree:
//   1. how a benchmark is named: "<comparison>/<role>:<label>", role "ours" (the course's reference
//      code) or "peer" (what it is compared with), Google Benchmark's own suffixes after that;
//   2. which number stands for a benchmark: the median of its repetitions, as time per operation.
// Header-only, no dependency on Google Benchmark or nlohmann-json.
#pragma once

#include <cstddef>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threadlings::bench {

/// Which side of a comparison a benchmark stands on.
enum class Role {
  ours,  ///< the course's reference code (a lessonNN_solution library), or the subject measured
  peer,  ///< what it is compared with: raw POSIX, the standard library, oneTBB, moodycamel, CPython
};

/// The prefix a role has in a benchmark's name ("ours:" or "peer:").
[[nodiscard]] constexpr std::string_view role_prefix(Role role) noexcept {
  return role == Role::ours ? "ours:" : "peer:";
}

/// The parts of a benchmark's name, "<comparison>/<role>:<label>[/google-benchmark-suffixes]".
/// Google Benchmark appends its own parts ("/min_time:0.300", "/real_time", "/manual_time"); they
/// are ignored. A comparison is an identifier (letters, digits, '_', as "round_trip_64B"); a label
/// may hold anything but '/'.
///
/// @threadsafety A value: copy it freely.
struct BenchName {
  std::string comparison;  ///< e.g. "thread_start_join"
  Role role = Role::ours;
  std::string label;       ///< e.g. "lesson03::Thread"

  /// The name to register: "<comparison>/<role>:<label>".
  [[nodiscard]] std::string str() const { return comparison + "/" + std::string(role_prefix(role)) + label; }

  /// The key of one benchmark, without Google Benchmark's suffixes (the same as str()).
  friend bool operator==(const BenchName&, const BenchName&) = default;
};

/// Splits a run name into its parts; nothing when it does not follow the naming rule (such a
/// benchmark is shown but left out of every ratio).
[[nodiscard]] inline std::optional<BenchName> parse_bench_name(std::string_view run_name) {
  const std::size_t slash = run_name.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view variant = run_name.substr(slash + 1);
  variant = variant.substr(0, variant.find('/'));
  for (const Role role : {Role::ours, Role::peer}) {
    const std::string_view prefix = role_prefix(role);
    if (variant.size() > prefix.size() && variant.substr(0, prefix.size()) == prefix) {
      return BenchName{std::string(run_name.substr(0, slash)), role, std::string(variant.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

/// The name of the counter each program sets to the number of operations one benchmark iteration
/// performs (a batch of queue items, of pool tasks, of pipe messages); 1 when absent. Time per
/// operation is the iteration's real time divided by it.
inline constexpr std::string_view kOpsPerIteration = "ops_per_iteration";

/// One result of a benchmark as Google Benchmark reports it (a repetition, or an aggregate of them).
/// @threadsafety A value: copy it freely.
struct Sample {
  bool aggregate = false;       ///< an aggregate ("mean", "median", ...) rather than one repetition
  std::string aggregate_name;   ///< "median" etc.; empty for a repetition
  double seconds_per_op = 0.0;  ///< real (or manual) time per iteration / ops_per_iteration
};

/// The number that stands for one benchmark: the median aggregate when there is one (the programs
/// run 3 repetitions by default), otherwise the mean of its repetitions. Nothing when there is no
/// usable sample.
[[nodiscard]] inline std::optional<double> representative_seconds(const std::vector<Sample>& samples) {
  for (const Sample& sample : samples) {
    if (sample.aggregate && sample.aggregate_name == "median") return sample.seconds_per_op;
  }
  double sum = 0.0;
  std::size_t count = 0;
  for (const Sample& sample : samples) {
    if (sample.aggregate) continue;
    sum += sample.seconds_per_op;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

/// "12.3 ns", "4.56 us", "7.89 ms" or "1.23 s": a duration in the unit that keeps 3 significant
/// digits readable.
[[nodiscard]] inline std::string format_seconds(double seconds) {
  struct Unit {
    double scale;
    const char* name;
  };
  constexpr Unit kUnits[] = {{1e-9, "ns"}, {1e-6, "us"}, {1e-3, "ms"}, {1.0, "s"}};
  std::size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && seconds >= kUnits[unit + 1].scale) ++unit;
  const double value = seconds / kUnits[unit].scale;
  char text[48];
  if (value >= 100.0) {
    std::snprintf(text, sizeof text, "%.0f %s", value, kUnits[unit].name);
  } else if (value >= 10.0) {
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit].name);
  } else {
    std::snprintf(text, sizeof text, "%.2f %s", value, kUnits[unit].name);
  }
  return text;
}

/// "1.23x": a ratio with two decimals (three significant digits below 0.1).
[[nodiscard]] inline std::string format_ratio(double ratio) {
  char text[32];
  if (ratio < 0.1) {
    std::snprintf(text, sizeof text, "%.3fx", ratio);
  } else {
    std::snprintf(text, sizeof text, "%.2fx", ratio);
  }
  return text;
}

}  // namespace threadlings::bench
