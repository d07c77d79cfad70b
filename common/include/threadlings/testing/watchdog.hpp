#pragma once
/// @file
/// Turns a hung test into a failure with a name, before ctest's timeout kills it silently.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace threadlings::testing {

/// The exit status of a process the watchdog ended.
inline constexpr int kWatchdogExitCode = 86;

/// Watches for progress. When `limit` passes without a call to progress(), it prints
///
///     [watchdog] Suite.Case: no progress for 10 s: likely deadlock
///
/// to stderr, dumps every thread's stack when gdb is installed (THREADLINGS_WATCHDOG_GDB=0 turns that
/// off), kills the child processes it has not reaped (so none outlives it holding ctest's output
/// pipe), and ends the process with kWatchdogExitCode.
///
/// @threadsafety progress() may be called from any thread. The destructor stops and joins the watcher.
class Watchdog {
 public:
  /// limit == 0 disables the watchdog.
  explicit Watchdog(std::chrono::seconds limit);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Restarts the countdown; `what` is named if the next countdown runs out.
  void progress(std::string what);

  /// Says that the run has failed for good (a failed assertion under --gtest_fail_fast): from now on
  /// the limit is `grace`, and when it runs out the process ends at once (no stacks: the failure is
  /// the verdict, and a hang after it is only a broken program's teardown). Waiting the full limit
  /// would change nothing but the time. Only shortens: a `grace` above the limit is ignored.
  void settle_failed(std::chrono::milliseconds grace);

  /// A watchdog whose limit comes from THREADLINGS_WATCHDOG_SECONDS (default 10, 0 = off).
  [[nodiscard]] static std::chrono::seconds limit_from_environment();

 private:
  void watch(const std::stop_token& stop);
  [[noreturn]] void fire(const std::string& what) const;
  [[noreturn]] void fire_after_failure(const std::string& what) const;

  std::chrono::seconds limit_;
  std::mutex mutex_;
  std::condition_variable_any progressed_;
  std::string current_;          // guarded by mutex_
  unsigned long generation_ = 0;  // guarded by mutex_; bumped by progress() and settle_failed()
  std::chrono::milliseconds grace_{0};  // guarded by mutex_; non-zero once settle_failed() was called
  std::jthread watcher_;          // last: started after everything it reads is initialized
};

}  // namespace threadlings::testing
