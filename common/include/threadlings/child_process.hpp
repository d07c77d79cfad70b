#pragma once
/// @file
/// Waiting for child processes without losing their status to EINTR, and looking at a process's state.

#include <chrono>
#include <optional>

#include <sys/types.h>

namespace threadlings {

/// Waits for child `pid` to end and returns its raw wait status (use WIFEXITED and friends).
/// Blocks: until the child ends. Retries EINTR. Throws std::system_error (ECHILD: not our child, or
/// already reaped).
[[nodiscard]] int wait_for_child(pid_t pid);

/// Process.join(timeout): waits at most `timeout` for child `pid` to end (poll on a pidfd), then reaps
/// it and returns its raw wait status; nothing when it is still running (it stays unreaped). Retries
/// EINTR. Throws std::system_error (pidfd_open, waitpid).
[[nodiscard]] std::optional<int> wait_for_child_for(pid_t pid, std::chrono::milliseconds timeout);

/// The state letter of process `pid` from /proc/PID/stat ('R' running, 'S' asleep in the kernel,
/// 'T' stopped, 'Z' zombie, ...), or '?' when it cannot be read.
[[nodiscard]] char process_state(pid_t pid);

/// Decodes a wait status the way Python's multiprocessing reports an exit code:
/// N for exit(N), -S for death by signal S.
[[nodiscard]] int exit_code_from_status(int status) noexcept;

}  // namespace threadlings
