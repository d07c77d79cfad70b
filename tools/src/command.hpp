#pragma once
/// @file
/// Running another program (cmake, ctest) and collecting what it prints.

#include <string>
#include <vector>

namespace threadlings::cli {

/// What a finished command left behind.
struct CommandResult {
  int exit_code = 0;   ///< N for exit(N), -S for death by signal S
  std::string output;  ///< stdout and stderr, interleaved as printed
};

/// Runs `argv` (looked up on PATH) with stdin from /dev/null and both output streams captured, and
/// waits for it. Blocks until the program ends. Throws std::system_error when it cannot be started.
/// @threadsafety Safe from any thread; each call owns its pipe and child.
[[nodiscard]] CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace threadlings::cli
