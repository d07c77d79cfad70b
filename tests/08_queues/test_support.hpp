// Helpers shared by lesson 08's tests: a forked child that runs a function and is always reaped, a
// join with a timeout, and "is that process asleep in the kernel" read from /proc (never a sleep).
// (Threads the tests watch are threadlings::testing::ObservedThread, from common/.)
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <exception>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace lesson08_test {

/// The exit code of a child whose function threw.
inline constexpr int kChildThrew = 101;

/// A child made with fork() that runs `body` and leaves with _exit(body's return value), never
/// returning into the test, and killed if the test process dies first. The destructor kills (SIGKILL) and reaps a child that is still there,
/// so a failed test leaves no process behind.
class ForkedChild {
 public:
  explicit ForkedChild(const std::function<int()>& body) {
    std::cout.flush();
    std::cerr.flush();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
      // If the test process dies without its destructors (a crash, ctest's kill), die with it: a
      // child blocked writing to a queue whose read end it holds itself would otherwise wait for ever.
      (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(kChildThrew);  // the parent died before prctl
      int code = kChildThrew;
      try {
        code = body();
      } catch (const std::exception& error) {
        std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), error.what());
      } catch (...) {
      }
      ::_exit(code);
    }
  }
  ~ForkedChild() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      (void)threadlings::wait_for_child(pid_);
    }
  }
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Waits for the child to end and returns its exit code (-S for death by signal S).
  int join() {
    reaped_ = true;
    return threadlings::exit_code_from_status(threadlings::wait_for_child(pid_));
  }

  /// Process.join(timeout): waits at most `timeout` (on a pidfd) and returns the exit code, or nothing
  /// when the child is still running (then it stays unreaped).
  std::optional<int> join(std::chrono::milliseconds timeout) {
    const threadlings::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd) throw std::system_error(errno, std::generic_category(), "pidfd_open");
    pollfd ended{pidfd.get(), POLLIN, 0};
    int ready = 0;
    while ((ready = ::poll(&ended, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (ready <= 0) return std::nullopt;
    return join();
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

/// The state letter of process `pid` from /proc/PID/stat ('R' running, 'S' asleep, 'Z' zombie, ...),
/// or '?' when it cannot be read.
inline char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return '?';
  const auto close_paren = line.rfind(')');  // the name may contain spaces and parentheses
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return '?';
  return line[close_paren + 2];
}

/// Waits until process `pid` sleeps in the kernel (state S: a blocked write, a futex wait), polling
/// /proc/PID/stat, never sleeping a guessed time. False if that does not happen within `limit`.
/// A process also sleeps for reasons of its own, so rely on it only to make a wrong program fail.
inline bool wait_until_process_sleeping(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_state(pid) == 'S') return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace lesson08_test
