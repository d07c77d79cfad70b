#include "threadlings/testing/watchdog.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/testing/no_leaks.hpp"

extern char** environ;

namespace threadlings::testing {
namespace {

// Only async-signal-safe, lock-free output here: the hung thread may hold stdio's lock.
void write_stderr(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Runs `gdb -p <us> -batch -ex "thread apply all bt"` with its output on our stderr.
void dump_all_stacks() {
  const char* setting = std::getenv("THREADLINGS_WATCHDOG_GDB");
  if (setting != nullptr && std::string_view(setting) == "0") return;
  // Yama (where enabled) lets only ancestors ptrace us unless we say otherwise.
  ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  std::string pid = std::to_string(::getpid());
  std::string arg_p = "-p", arg_batch = "-batch", arg_nx = "-nx", arg_ex = "-ex";
  std::string command = "thread apply all bt";
  std::string gdb = "gdb";
  char* argv[] = {gdb.data(), arg_nx.data(), arg_batch.data(), arg_p.data(), pid.data(),
                  arg_ex.data(), command.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t child = 0;
  const int error = ::posix_spawnp(&child, "gdb", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    write_stderr("[watchdog] (install gdb to see every thread's stack here)\n");
    return;
  }
  write_stderr("[watchdog] every thread's stack, from gdb:\n");
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Watchdog::Watchdog(std::chrono::seconds limit) : limit_(limit) {
  if (limit_.count() > 0) {
    watcher_ = std::jthread([this](const std::stop_token& stop) { watch(stop); });
  }
}

Watchdog::~Watchdog() = default;  // jthread requests stop and joins; the wait below wakes on stop

void Watchdog::progress(std::string what) {
  {
    const std::scoped_lock lock(mutex_);
    current_ = std::move(what);
    ++generation_;
  }
  progressed_.notify_all();
}

std::chrono::seconds Watchdog::limit_from_environment() {
  const char* text = std::getenv("THREADLINGS_WATCHDOG_SECONDS");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(10);
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds < 0) {
    write_stderr("[watchdog] THREADLINGS_WATCHDOG_SECONDS is not a whole number of seconds; using 10\n");
    return std::chrono::seconds(10);
  }
  return std::chrono::seconds(seconds);
}

void Watchdog::settle_failed(std::chrono::milliseconds grace) {
  {
    const std::scoped_lock lock(mutex_);
    if (grace_.count() != 0 || grace.count() <= 0 || grace >= limit_) return;
    grace_ = grace;
    ++generation_;  // wakes the watcher, which starts the shorter countdown from now
  }
  progressed_.notify_all();
}

void Watchdog::watch(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const unsigned long seen = generation_;
    const bool settled = grace_.count() != 0;
    const std::chrono::milliseconds limit = settled ? grace_ : std::chrono::milliseconds(limit_);
    const bool progressed = progressed_.wait_for(lock, stop, limit, [&] { return generation_ != seen; });
    if (stop.stop_requested()) return;
    if (progressed) continue;
    if (settled) fire_after_failure(current_);
    fire(current_);
  }
}

void Watchdog::fire_after_failure(const std::string& what) const {
  const std::string message = "\n[watchdog] " + what + ": no progress for " + std::to_string(grace_.count()) +
                              " ms after a failed assertion (--gtest_fail_fast): the run has failed; ending it\n";
  write_stderr(message);
  for (const pid_t child : unreaped_children()) ::kill(child, SIGKILL);
  std::_Exit(kWatchdogExitCode);
}

void Watchdog::fire(const std::string& what) const {
  const std::string message = "\n[watchdog] " + (what.empty() ? std::string("(no test started)") : what) +
                              ": no progress for " + std::to_string(limit_.count()) +
                              " s: likely deadlock\n";
  write_stderr(message);
  dump_all_stacks();
  // A forked child of the hung test would outlive us and keep ctest's output pipe open: end it too.
  for (const pid_t child : unreaped_children()) ::kill(child, SIGKILL);
  write_stderr(message);  // again after the stacks, so the verdict is the last thing on screen
  std::_Exit(kWatchdogExitCode);
}

}  // namespace threadlings::testing
