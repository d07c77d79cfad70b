#pragma once
/// @file
/// Running a test process with a time limit, killing it (and anything it started) when it runs over.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace threadlings::cli {

/// How a timed run ended.
struct TimedRunResult {
  enum class Ending { kExited, kSignalled, kTimedOut };
  Ending ending = Ending::kExited;
  int code = 0;            ///< the exit status, or the signal number
  double seconds = 0;      ///< wall time
  std::string output;      ///< stdout and stderr, at most `output_limit` bytes (the end is kept)
};

/// Runs `argv` in a process group of its own with stdin from /dev/null and `environment` added to
/// ours. When `limit` passes, the whole group is killed (a hung test's forked children with it) and
/// reaped. Blocks until the program ends or is killed. Throws std::system_error when it cannot start.
/// @threadsafety Safe to call from several threads at once; each call owns its pipe and children.
[[nodiscard]] TimedRunResult run_with_timeout(const std::vector<std::string>& argv,
                                              const std::vector<std::string>& environment,
                                              std::chrono::milliseconds limit,
                                              std::size_t output_limit = 64 * 1024);

}  // namespace threadlings::cli
