#include "watch.hpp"

#include <array>
#include <cerrno>
#include <ostream>
#include <system_error>
#include <thread>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "check.hpp"

namespace threadlings::cli {
namespace {

bool is_source(const std::filesystem::path& file) {
  const auto extension = file.extension();
  return extension == ".cpp" || extension == ".hpp";
}

FolderSnapshot snapshot(const std::filesystem::path& folder) {
  FolderSnapshot files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (!is_source(entry.path())) continue;
    std::error_code ignored;
    files[entry.path().filename().string()] = {entry.last_write_time(ignored), entry.file_size(ignored)};
  }
  return files;
}

// Reads the pending inotify events; true if one of them concerns a source file.
bool drain_events(int fd) {
  alignas(inotify_event) std::array<char, 8192> buffer{};
  bool relevant = false;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return relevant;  // EAGAIN: nothing more pending (the descriptor is non-blocking)
    for (ssize_t at = 0; at < got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      if (event->len > 0 && is_source(event->name)) relevant = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

// Waits up to `timeout` (forever when negative) for the descriptor to become readable.
bool readable_within(int fd, int timeout_ms) {
  pollfd entry{fd, POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&entry, 1, timeout_ms);
    if (ready >= 0) return ready > 0;
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
  }
}

}  // namespace

FolderWatch::FolderWatch(std::filesystem::path folder, const WatchOptions& options)
    : folder_(std::move(folder)), options_(options) {
  if (!options_.poll) {
    inotify_ = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (inotify_ && ::inotify_add_watch(inotify_.get(), folder_.c_str(),
                                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0) {
      inotify_ = UniqueFd();  // no watch (limits, some mounts): poll instead
    }
  }
  if (!inotify_) seen_ = snapshot(folder_);
}

void FolderWatch::wait() {
  if (inotify_) {
    bool changed = false;
    while (!changed) {
      readable_within(inotify_.get(), -1);
      changed = drain_events(inotify_.get());
    }
    while (readable_within(inotify_.get(), static_cast<int>(options_.debounce.count()))) {
      drain_events(inotify_.get());  // more writes of the same save: wait for quiet
    }
    return;
  }
  constexpr auto kInterval = std::chrono::milliseconds(250);
  auto current = snapshot(folder_);
  while (current == seen_) {
    std::this_thread::sleep_for(kInterval);  // nothing to wait on: a timestamp has to be looked at
    current = snapshot(folder_);
  }
  for (;;) {  // debounce: until a quiet interval
    std::this_thread::sleep_for(options_.debounce);
    auto settled = snapshot(folder_);
    if (settled == current) break;
    current = std::move(settled);
  }
  seen_ = std::move(current);
}

int watch(std::ostream& out, const CourseTree& tree, std::optional<Lesson> lesson, const WatchOptions& options) {
  if (!lesson) lesson = first_unfinished_lesson(tree);
  while (lesson) {
    // Watching starts before the first check, so a save made while a check runs is not missed.
    FolderWatch changes(tree.source / "exercises" / lesson->folder, options);
    int status = check_lesson(out, tree, *lesson, options.color);
    while (status != 0) {
      out << "\nWatching exercises/" << lesson->folder << "/ for changes (Ctrl-C to stop) ...\n" << std::flush;
      changes.wait();
      if (options.color) out << "\033[2J\033[H";  // a fresh screen for each verdict, on a terminal
      out << "\n";
      status = check_lesson(out, tree, *lesson, options.color);
      out << std::flush;
      if (options.once) return status;
    }
    const std::string done = lesson->number;
    lesson = first_unfinished_lesson(tree);
    if (lesson) out << "\nLesson " << done << " is done. On to lesson " << lesson->number << ".\n\n";
  }
  out << "\nEvery lesson passes all its tests. Well done.\n";
  return 0;
}

}  // namespace threadlings::cli
