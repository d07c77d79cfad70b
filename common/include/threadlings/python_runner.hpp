#pragma once
/// @file
/// Running CPython beside a demo, for the comparisons the lessons print ("ours / CPython").
/// The course never needs python3: every caller skips its comparison, and says why, without it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threadlings {

/// What one run of python3 produced.
struct PythonRun {
  /// Its standard output, when it ran and exited with status 0; empty otherwise.
  std::optional<std::string> output;
  /// Why there is no output ("python3 is not on PATH", "python3 exited with code 1"); empty on success.
  std::string why_not;
};

/// Runs `python3 -c script arguments...` from PATH and collects its standard output.
///
/// The child is started with posix_spawnp (no shell: the script needs no quoting), its stdin is
/// /dev/null and its stderr is discarded. Blocks until it exits; the child is reaped on every path,
/// also when reading its output throws. Retries EINTR.
///
/// @threadsafety Safe to call from several threads at once (each call has its own pipe and child).
[[nodiscard]] PythonRun run_python(std::string_view script, const std::vector<std::string>& arguments = {});

/// Runs the script like run_python() and reads the first number it prints: by convention, the
/// seconds the script measured itself (so that the interpreter's start-up is not counted).
/// Nothing when python3 is missing, fails, or prints no number.
[[nodiscard]] std::optional<double> python_seconds(std::string_view script, const std::vector<std::string>& arguments = {});

}  // namespace threadlings
