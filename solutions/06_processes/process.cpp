// Lesson 06, processes: make Process pass the tests in tests/06_processes/.
// Concept: multiprocessing.Process with the fork and spawn start methods, exit codes, reaping (lessons/06_processes/README.md).
// Check: ./threadlings check 06    (or ctest --preset student -L lesson06)
#include "process.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <iostream>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/io.hpp"
#include "threadlings/sigpipe_blocked.hpp"
#include "threadlings/spawn_entry.hpp"

extern char** environ;  // the parent's environment, passed on to a spawned child unchanged

namespace threadlings::lesson06 {
namespace {

// Provided: Python names unnamed processes Process-1, Process-2, ... in the order they are made.
std::string default_name() {
  static std::atomic<int> made{0};
  return "Process-" + std::to_string(++made);
}

// Provided: posix_spawn's two option objects, owned so that every way out of start() destroys them.
class SpawnFileActions {
 public:
  SpawnFileActions() {
    if (const int error = ::posix_spawn_file_actions_init(&actions_); error != 0) {
      throw std::system_error(error, std::generic_category(), "posix_spawn_file_actions_init");
    }
  }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  [[nodiscard]] posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
 public:
  SpawnAttributes() {
    if (const int error = ::posix_spawnattr_init(&attributes_); error != 0) {
      throw std::system_error(error, std::generic_category(), "posix_spawnattr_init");
    }
  }
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  [[nodiscard]] posix_spawnattr_t* get() noexcept { return &attributes_; }

 private:
  posix_spawnattr_t attributes_{};
};

// Kills and reaps a child that start() can not hand over (it failed half-way), so that no failure
// leaves a process behind.
void discard_child(pid_t pid) noexcept {
  if (pid <= 0) return;  // kill(0) or kill(-1) would signal a whole process group, or everyone
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Flushes what the C++ and C standard streams hold (only those, as Python does). Before a start:
// bytes still buffered would be copied into a forked child and printed twice. In the child before
// _exit: its own output must not be lost.
void flush_standard_streams() noexcept {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
}

// A pidfd for `pid`, which must be our unreaped child: then the pid can not have been reused yet.
UniqueFd open_pidfd(pid_t pid) {
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "pidfd_open (Linux 5.3 or newer)");
  return UniqueFd(static_cast<int>(fd));
}

// Blocks until `fd` is readable (a pidfd is, once its process has ended) or `timeout` has passed;
// returns whether it became readable. One ppoll() sleeps the whole time: no polling loop. EINTR
// restarts it with the time that is left, measured on the monotonic clock.
bool wait_until_readable(int fd, std::optional<std::chrono::nanoseconds> timeout) {
  using Clock = std::chrono::steady_clock;
  // A century stands in for "longer than anyone waits", so that now() + timeout can not overflow.
  const auto limit = std::min(timeout.value_or(std::chrono::nanoseconds::zero()),
                              std::chrono::nanoseconds(std::chrono::hours(24 * 365 * 100)));
  const Clock::time_point deadline = Clock::now() + limit;
  for (;;) {
    pollfd entry{fd, POLLIN, 0};
    timespec left{};
    if (timeout) {
      const auto remaining = std::max(Clock::duration::zero(), deadline - Clock::now());
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(remaining);
      left.tv_sec = static_cast<time_t>(seconds.count());
      left.tv_nsec = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(remaining - seconds).count());
    }
    const int ready = ::ppoll(&entry, 1, timeout ? &left : nullptr, nullptr);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "ppoll on the pidfd");
  }
}

}  // namespace

Process::Process(Target target, std::string name)
    : target_(std::move(target)),
      name_(name.empty() ? default_name() : std::move(name)),
      parent_pid_(::getpid()) {}

Process::Process(SpawnTarget target, std::string name)
    : target_(std::move(target)),
      name_(name.empty() ? default_name() : std::move(name)),
      parent_pid_(::getpid()) {}

Process::~Process() {
  // A forked child's copy of this object describes its parent's child, not one of its own.
  if (::getpid() != parent_pid_) return;
  {
    const std::scoped_lock lock(mutex_);
    if (!started_ || exitcode_) return;
  }
  try {
    join();  // RAII: wait and reap, as join() would, so no zombie outlives the object
  } catch (...) {
    // The wait failed (a broken pidfd, or someone else reaped the child): make sure it ends, through
    // the pidfd, which can not reach a stranger that reused the pid, and reap what is left to reap.
    const std::scoped_lock lock(mutex_);
    (void)::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0U);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void Process::start() {
  // Python asserts the same: the object belongs to the process that made it.
  if (::getpid() != parent_pid_) {
    throw ProcessError("can only start a process object created by the current process (" + name_ + ")");
  }
  {
    const std::scoped_lock lock(mutex_);
    if (started_) throw ProcessError("cannot start a process twice (" + name_ + ")");
  }
  // Text buffered so far goes out now, before the child's: a forked child would print its copy of it
  // again, and a spawned one would get its own lines in ahead of it.
  flush_standard_streams();
  // Not under mutex_: a forked child must not inherit it locked.
  Launched child = start_method() == StartMethod::fork ? launch_by_fork() : launch_by_spawn();
  const std::scoped_lock lock(mutex_);
  pid_ = child.pid;
  pidfd_ = std::move(child.pidfd);
  started_ = true;  // only once a child exists: a start() that threw may be tried again
}

Process::Launched Process::launch_by_fork() {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    // The child. _exit, never return: returning would run the rest of the parent's program (in a test
    // binary, the rest of the test suite) a second time; exit() would run atexit handlers and static
    // destructors that belong to the parent and flush copies of the parent's stdio buffers.
    ::_exit(run_target_in_child());
  }
  try {
    return Launched{pid, open_pidfd(pid)};
  } catch (...) {
    discard_child(pid);  // a child we could not wait for properly is not left running
    throw;
  }
}

int Process::run_target_in_child() noexcept {
  int code = 0;  // Python's exit code for a target that returned
  try {
    const Target& target = std::get<Target>(target_);
    if (target) target();
  } catch (const std::exception& error) {
    std::cerr << ("Exception in process " + name_ + ": " + error.what() + "\n");
    code = 1;  // Python's exit code for a target that raised
  } catch (...) {
    std::cerr << ("Exception in process " + name_ + ": unknown exception\n");
    code = 1;
  }
  flush_standard_streams();  // the child's own output; _exit would drop it
  return code;
}

Process::Launched Process::launch_by_spawn() {
  const SpawnTarget& target = std::get<SpawnTarget>(target_);
  // Checked before any child exists, like Python's pickling of the target in start().
  if (find_spawn_entry(target.entry) == nullptr) {
    throw std::invalid_argument("Process::start: no spawn entry is registered as '" + target.entry +
                                "' (THREADLINGS_SPAWN_ENTRY)");
  }
  // The arguments travel through a pipe, as in CPython: both ends are close-on-exec, so only the
  // descriptor named on the command line reaches the child, and only the read end.
  Pipe args = make_pipe();
  const int child_fd = args.read_end.get();

  std::string program = "/proc/self/exe";  // this very executable, whatever its name or path
  std::string flag(kSpawnFlag);
  std::string entry = target.entry;
  std::string fd_text = std::to_string(child_fd);
  std::vector<char*> argv{program.data(), flag.data(), entry.data(), fd_text.data(), nullptr};

  SpawnFileActions actions;
  // dup2 onto itself, in the child only: clears close-on-exec there (glibc >= 2.29), so the read end
  // keeps its number across exec while every other process still sees it as close-on-exec.
  if (const int error = ::posix_spawn_file_actions_adddup2(actions.get(), child_fd, child_fd); error != 0) {
    throw std::system_error(error, std::generic_category(), "posix_spawn_file_actions_adddup2");
  }
  SpawnAttributes attributes;
  // A fresh program starts with no blocked signals, whatever the calling thread had blocked.
  sigset_t none;
  ::sigemptyset(&none);
  if (const int error = ::posix_spawnattr_setsigmask(attributes.get(), &none); error != 0) {
    throw std::system_error(error, std::generic_category(), "posix_spawnattr_setsigmask");
  }
  if (const int error = ::posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETSIGMASK); error != 0) {
    throw std::system_error(error, std::generic_category(), "posix_spawnattr_setflags");
  }

  pid_t pid = -1;
  // posix_spawn returns its error instead of setting errno, and fails here when exec fails.
  if (const int error = ::posix_spawn(&pid, program.c_str(), actions.get(), attributes.get(), argv.data(), environ);
      error != 0) {
    throw std::system_error(error, std::generic_category(), "posix_spawn /proc/self/exe");
  }
  try {
    Launched child{pid, open_pidfd(pid)};
    args.read_end.reset();  // the child has its own copy now
    {
      const threadlings::SigpipeBlocked no_sigpipe;
      try {
        write_all(args.write_end.get(), std::as_bytes(std::span(target.args.data(), target.args.size())));
      } catch (const std::system_error& error) {
        // EPIPE: the child died before reading everything. It exists, so start() succeeded; its exit
        // code will tell why. Anything else is a real failure.
        if (error.code() != std::errc::broken_pipe) throw;
      }
    }
    args.write_end.reset();  // end of file: the child now knows it has every byte
    return child;
  } catch (...) {
    discard_child(pid);  // not handed over: never leave a half-started child behind
    throw;
  }
}

void Process::join() { (void)wait_for_exit(std::nullopt); }

bool Process::join(std::chrono::nanoseconds timeout) {
  // A negative timeout means "do not wait", as in Python.
  return wait_for_exit(std::max(timeout, std::chrono::nanoseconds::zero()));
}

bool Process::wait_for_exit(std::optional<std::chrono::nanoseconds> timeout) {
  // A forked child holds a copy of this object; its "child" is itself or a sibling, never its own.
  if (::getpid() != parent_pid_) throw ProcessError("can only join a child process (" + name_ + ")");
  int pidfd = -1;
  {
    const std::scoped_lock lock(mutex_);
    if (!started_) throw ProcessError("can only join a started process (" + name_ + ")");
    if (exitcode_) return true;  // already reaped
    pidfd = pidfd_.get();
  }
  // Waiting without the lock: terminate(), kill() and is_alive() from other threads go ahead meanwhile.
  if (!wait_until_readable(pidfd, timeout)) return false;
  const std::scoped_lock lock(mutex_);
  return reap_if_ended();  // the pidfd said it ended: waitpid returns at once (or another call reaped it)
}

bool Process::reap_if_ended() {
  if (exitcode_) return true;
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid_, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped < 0) throw std::system_error(errno, std::generic_category(), "waitpid " + name_);
  if (reaped == 0) return false;          // still running
  exitcode_ = exit_code_from_status(status);  // N for exit(N), -S for signal S
  return true;
}

bool Process::is_alive() {
  if (::getpid() != parent_pid_) throw ProcessError("can only test a child process (" + name_ + ")");
  const std::scoped_lock lock(mutex_);
  // Asking is also a chance to reap, as Python's poll() does: an ended child is not alive, it is a zombie.
  return started_ && !reap_if_ended();
}

std::optional<pid_t> Process::pid() const {
  const std::scoped_lock lock(mutex_);
  return started_ ? std::optional<pid_t>(pid_) : std::nullopt;
}

std::optional<int> Process::exitcode() {
  const std::scoped_lock lock(mutex_);
  if (!started_) return std::nullopt;
  (void)reap_if_ended();  // "None while running" needs a look at the child, not just the cache
  return exitcode_;
}

void Process::terminate() { send_signal(SIGTERM, "terminate"); }

void Process::kill() { send_signal(SIGKILL, "kill"); }

void Process::send_signal(int signal, const char* what) {
  const std::scoped_lock lock(mutex_);  // no reap can slip in between the check and the signal
  if (!started_) throw ProcessError(std::string("cannot ") + what + " a process that was not started (" + name_ + ")");
  if (exitcode_) return;  // reaped: there is nobody left to signal
  // Through the pidfd, not kill(pid): it names this child for good, even if the pid is reused.
  if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0U) < 0 && errno != ESRCH) {
    throw std::system_error(errno, std::generic_category(), std::string("pidfd_send_signal for ") + what);
  }
}

StartMethod Process::start_method() const noexcept {
  return std::holds_alternative<SpawnTarget>(target_) ? StartMethod::spawn : StartMethod::fork;
}

const std::string& Process::name() const noexcept { return name_; }

}  // namespace threadlings::lesson06
