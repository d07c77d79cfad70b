// Lesson 01 demos: a forked child process that runs a function, records into its copy of the parent's
// trace, and is always reaped. (Lesson 06 builds the full multiprocessing.Process.)
#pragma once

#include <cerrno>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/trace_recorder.hpp"

namespace lesson01_demo {

/// A child process running `body`, started by the constructor (like `Process(target=body).start()`).
///
/// - The child leaves with `_exit(body())`; an exception escaping `body` is printed and gives exit
///   code 1. It never returns into the parent's code.
/// - With a trace file, the child saves its copy of `trace` to `<trace file>.<pid>.part`; wait()
///   merges that file into the parent's recorder and removes it.
/// - The destructor reaps a child nobody waited for, so no zombie is left on any path.
///
/// Requires: no other thread of the parent is running at construction. The child uses the allocator,
/// iostreams and the recorder's lock, which another thread could hold at the moment of the fork.
///
/// @threadsafety One thread owns a ForkedChild and calls wait() on it.
class ForkedChild {
 public:
  /// Throws std::system_error when fork() fails.
  ForkedChild(threadlings::TraceRecorder& trace, std::optional<std::filesystem::path> trace_file,
              const std::function<int()>& body)
      : trace_(trace), trace_file_(std::move(trace_file)) {
    std::cout.flush();  // unflushed text would be copied into the child and printed twice
    pid_ = ::fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ > 0) return;
    int code = 1;
    try {
      code = body();
      if (trace_file_) trace_.save(part_file(::getpid()));
    } catch (const std::exception& error) {
      std::cerr << "child " << ::getpid() << " failed: " << error.what() << std::endl;
    }
    std::cout.flush();  // what the child printed is its own: flush it, but leave with _exit
    ::_exit(code);
  }

  ~ForkedChild() {
    if (pid_ <= 0) return;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Blocks until the child ends; reaps it; merges its trace; returns its exit code (N, or -signal).
  int wait() {
    const pid_t pid = std::exchange(pid_, -1);
    const int exit_code = threadlings::exit_code_from_status(threadlings::wait_for_child(pid));
    if (trace_file_ && exit_code == 0) {
      trace_.merge_events_from(part_file(pid));
      std::filesystem::remove(part_file(pid));
    }
    return exit_code;
  }

 private:
  [[nodiscard]] std::filesystem::path part_file(pid_t pid) const {
    return trace_file_->string() + "." + std::to_string(pid) + ".part";
  }

  threadlings::TraceRecorder& trace_;
  std::optional<std::filesystem::path> trace_file_;
  pid_t pid_ = -1;
};

}  // namespace lesson01_demo
