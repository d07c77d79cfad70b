#pragma once
/// @file
/// `threadlings watch [NN]`: re-check a lesson whenever one of its exercise files changes.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "course.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::cli {

/// How `watch` behaves.
struct WatchOptions {
  bool poll = false;  ///< compare timestamps instead of inotify (mounted folders may not report events)
  bool once = false;  ///< stop after the first re-check (used by tests and scripts)
  bool color = false;
  /// Quiet time after the last change before checking: an editor's save is often several writes.
  std::chrono::milliseconds debounce{50};
};

/// What a folder's sources looked like at one moment (name -> time, size), for the polling fallback.
using FolderSnapshot = std::map<std::string, std::pair<std::filesystem::file_time_type, std::uintmax_t>>;

/// Watches one folder for changes to its .cpp and .hpp files: written, created, renamed into place or
/// deleted. It watches from its construction on, so a save made while the caller is busy (printing,
/// checking) is not lost: the next wait() returns for it at once. Uses inotify unless
/// `options.poll` is set or inotify is unavailable (limits, some mounted folders); then it compares
/// timestamps and sizes every 250 ms.
///
/// @threadsafety Not thread-safe: one thread constructs it and calls wait().
class FolderWatch {
 public:
  FolderWatch(std::filesystem::path folder, const WatchOptions& options);

  /// Blocks until a change since construction or since the previous wait() returned, and then until
  /// `options.debounce` passes without another. Throws std::system_error when poll() fails.
  void wait();

 private:
  std::filesystem::path folder_;
  WatchOptions options_;
  UniqueFd inotify_;          // invalid: polling
  FolderSnapshot seen_;       // polling: the state the next change is measured against
};

/// Checks the lesson, then re-checks after every change to its exercise files; when it passes,
/// moves on to the next unfinished lesson. Returns when every lesson passes (0) or, with
/// `options.once`, after the first re-check (its exit status). Ctrl-C ends it.
int watch(std::ostream& out, const CourseTree& tree, std::optional<Lesson> lesson, const WatchOptions& options);

}  // namespace threadlings::cli
