#pragma once
/// @file
/// A child process for tests: made with fork(), running one function, always reaped; and waiting
/// until a process is asleep in the kernel, read from /proc (never a guessed sleep).

#include <chrono>
#include <functional>
#include <optional>

#include <sys/types.h>

namespace threadlings::testing {

/// A child made with fork() that runs `body` and leaves with _exit(body's return value), never
/// returning into the test (no destructors, no GoogleTest, no atexit handlers in the child). It is
/// killed if the test process dies first (PR_SET_PDEATHSIG), and the destructor kills (SIGKILL) and
/// reaps a child that was not joined, so a failed assertion leaves no process behind.
///
/// ```cpp
/// ForkedChild child([&] { queue.put_value(42); return 0; });
/// EXPECT_EQ(child.join(), 0);
/// ```
///
/// @threadsafety Use one object from one thread. Standard streams are flushed before the fork, so
/// that the child does not print the parent's pending output a second time.
class ForkedChild {
 public:
  /// The exit code of a child whose `body` threw (the exception's what() goes to stderr).
  static constexpr int kBodyThrew = 101;

  /// Forks and runs `body` in the child. Throws std::system_error when fork() fails.
  explicit ForkedChild(const std::function<int()>& body);
  /// Kills and reaps the child unless join() reaped it.
  ~ForkedChild();
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Waits for the child to end and returns its exit code the way Python reports it (N, or -S for
  /// death by signal S).
  int join();

  /// Process.join(timeout): waits at most `timeout` (poll on a pidfd) and returns the exit code, or
  /// nothing when the child is still running (it then stays unreaped, for a later join() or the
  /// destructor).
  std::optional<int> join(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

/// Waits until process `pid` sleeps in the kernel (state S: a blocked read or write, a futex wait),
/// polling threadlings::process_state(). False if that does not happen within `limit`. A process also sleeps for
/// reasons of its own, so rely on it only to make a wrong program fail, never a right one.
[[nodiscard]] bool wait_until_process_sleeping(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace threadlings::testing
