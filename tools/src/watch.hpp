#pragma once
/// @file
/// `threadlings watch [NN]`: re-check a lesson whenever one of its exercise files changes.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>

#include "course.hpp"

namespace threadlings::cli {

/// How `watch` behaves.
struct WatchOptions {
  bool poll = false;  ///< compare timestamps instead of inotify (mounted folders may not report events)
  bool once = false;  ///< stop after the first re-check (used by tests and scripts)
  bool color = false;
  /// Quiet time after the last change before checking: an editor's save is often several writes.
  std::chrono::milliseconds debounce{50};
};

/// Blocks until a .cpp or .hpp file in `folder` is written, created, renamed into place or deleted,
/// and then `options.debounce` passes without another such change. Uses inotify unless
/// `options.poll` is set or inotify is unavailable. Throws std::system_error when the folder cannot
/// be watched at all.
void wait_for_change(const std::filesystem::path& folder, const WatchOptions& options);

/// Checks the lesson, then re-checks after every change to its exercise files; when it passes,
/// moves on to the next unfinished lesson. Returns when every lesson passes (0) or, with
/// `options.once`, after the first re-check (its exit status). Ctrl-C ends it.
int watch(std::ostream& out, const CourseTree& tree, std::optional<Lesson> lesson, const WatchOptions& options);

}  // namespace threadlings::cli
