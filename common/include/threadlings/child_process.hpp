#pragma once
/// @file
/// Waiting for child processes without losing their status to EINTR.

#include <sys/types.h>

namespace threadlings {

/// Waits for child `pid` to end and returns its raw wait status (use WIFEXITED and friends).
/// Blocks: until the child ends. Retries EINTR. Throws std::system_error (ECHILD: not our child, or
/// already reaped).
[[nodiscard]] int wait_for_child(pid_t pid);

/// Decodes a wait status the way Python's multiprocessing reports an exit code:
/// N for exit(N), -S for death by signal S.
[[nodiscard]] int exit_code_from_status(int status) noexcept;

}  // namespace threadlings
