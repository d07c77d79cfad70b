#pragma once
/// @file
/// Observing other threads from a test: how many there are, and whether one is blocked.

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include <sys/types.h>

namespace threadlings::testing {

/// The number of threads in this process right now (entries of /proc/self/task).
/// A std::thread exists in this count as soon as its constructor returns, so a test can tell
/// deterministically whether a constructor started a thread.
[[nodiscard]] std::size_t thread_count();

/// The kernel ids of this process's threads right now (the entries of /proc/self/task).
[[nodiscard]] std::vector<pid_t> thread_ids();

/// The kernel id of a thread that exists now and was not among `before` (a thread_ids() taken before
/// something started one), or nothing if there is none. With several new threads, the lowest id.
/// This is how a test finds a thread that the code under test started and does not expose.
[[nodiscard]] std::optional<pid_t> thread_started_since(const std::vector<pid_t>& before);

/// The calling thread's kernel id (what Python calls native_id).
[[nodiscard]] pid_t current_tid() noexcept;

/// Waits until thread `tid` of this process is blocked in the kernel (state S or D: a futex wait, a
/// read, a join), by observing `/proc/self/task/TID/stat`, never by sleeping a guessed time.
/// Returns false if that does not happen within `limit` (or the thread no longer exists).
///
/// Use it to order a test: "release the worker only once the main thread is blocked in join()".
/// A thread may also block briefly for reasons of its own (a page fault, an allocator lock), so a test
/// may only rely on it to make a wrong implementation fail, never to make a right one pass.
[[nodiscard]] bool wait_until_blocked(pid_t tid, std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace threadlings::testing
