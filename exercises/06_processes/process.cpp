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
#include "threadlings/not_implemented.hpp"
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

// TODO: helpers you will want here (see hints.md):
// - discard_child(pid): kill(SIGKILL) and reap a child that start() can not hand over;
// - flush_standard_streams(): std::cout, std::cerr, stdout and stderr (only those, as Python does);
// - open_pidfd(pid): syscall(SYS_pidfd_open, pid, 0), owned by a UniqueFd;
// - wait_until_readable(fd, timeout): one ppoll() on the pidfd, restarted on EINTR with the time left.

}  // namespace

// Provided: the target, the name and the parent's pid are stored; nothing runs yet.
Process::Process(Target target, std::string name)
    : target_(std::move(target)),
      name_(name.empty() ? default_name() : std::move(name)),
      parent_pid_(::getpid()) {}

Process::Process(SpawnTarget target, std::string name)
    : target_(std::move(target)),
      name_(name.empty() ? default_name() : std::move(name)),
      parent_pid_(::getpid()) {}

// TODO: a started child that nobody reaped must be waited for and reaped here (join() does both), so
// that no zombie outlives the object. Do nothing in a forked child's copy (getpid() != parent_pid_).
// Never let an exception out of a destructor.
Process::~Process() {}

// TODO: refuse a second start (ProcessError "cannot start a process twice") and a start from another
// process; flush the standard streams; launch the child by the start method; record pid_, pidfd_ and
// started_ under mutex_. Do not hold mutex_ across fork(): the child would inherit it locked.
void Process::start() { throw NotImplemented("Process::start — see lesson 06"); }

// TODO: fork(); in the child leave with _exit(run_target_in_child()) and
// never return; in the parent open a pidfd for the child (if that fails, discard the child and rethrow).
Process::Launched Process::launch_by_fork() { throw NotImplemented("Process::launch_by_fork — see lesson 06"); }

// TODO: run the fork target (if not empty); 0 when it returns, 1 when it throws (print
// "Exception in process NAME: WHAT" to std::cerr first); flush the standard streams; return the code.
int Process::run_target_in_child() noexcept { return -1; }

// TODO: check that the entry is registered (std::invalid_argument otherwise, before any child exists);
// make a pipe; posix_spawn "/proc/self/exe" with argv {program, kSpawnFlag, entry, read-end number}
// and environ, the read end dup2'ed onto itself (so it survives exec) and an empty signal mask; open a
// pidfd; close the read end; write every argument byte with SIGPIPE blocked (EPIPE is not an error:
// the child's exit code will tell); close the write end. On any failure after the spawn, discard the
// child before rethrowing.
Process::Launched Process::launch_by_spawn() { throw NotImplemented("Process::launch_by_spawn — see lesson 06"); }

// TODO: wait for the child to end (no time limit), then reap it.
void Process::join() { throw NotImplemented("Process::join — see lesson 06"); }

// TODO: as join(), at most `timeout` (negative: do not wait); return whether the child ended.
bool Process::join(std::chrono::nanoseconds timeout) { throw NotImplemented("Process::join(timeout) — see lesson 06"); }

// TODO: the misuses (a call from another process; before start()), then: already reaped? done. Else
// wait until the pidfd is readable, without holding mutex_, within `timeout` if there is one; then
// reap under mutex_. Retry EINTR.
bool Process::wait_for_exit(std::optional<std::chrono::nanoseconds> timeout) {
  throw NotImplemented("Process::wait_for_exit — see lesson 06");
}

// TODO: waitpid(pid_, &status, WNOHANG), EINTR retried: 0 means still running; otherwise record
// exit_code_from_status(status) in exitcode_. Return whether the child is reaped.
bool Process::reap_if_ended() { throw NotImplemented("Process::reap_if_ended — see lesson 06"); }

// TODO: false before start(); otherwise "not reaped yet, and not ended now" (reap it if it has ended).
bool Process::is_alive() { throw NotImplemented("Process::is_alive — see lesson 06"); }

// Provided: empty until start() has recorded the child.
std::optional<pid_t> Process::pid() const {
  const std::scoped_lock lock(mutex_);
  return started_ ? std::optional<pid_t>(pid_) : std::nullopt;
}

// TODO: empty before start(); otherwise reap the child if it has ended, and return exitcode_.
std::optional<int> Process::exitcode() { throw NotImplemented("Process::exitcode — see lesson 06"); }

// TODO: SIGTERM, through send_signal().
void Process::terminate() { throw NotImplemented("Process::terminate — see lesson 06"); }

// TODO: SIGKILL, through send_signal().
void Process::kill() { throw NotImplemented("Process::kill — see lesson 06"); }

// TODO: ProcessError before start(); nothing once reaped; else pidfd_send_signal (through syscall),
// where ESRCH (it has just ended) is not an error.
void Process::send_signal(int signal, const char* what) {
  throw NotImplemented("Process::send_signal — see lesson 06");
}

StartMethod Process::start_method() const noexcept {
  return std::holds_alternative<SpawnTarget>(target_) ? StartMethod::spawn : StartMethod::fork;
}

const std::string& Process::name() const noexcept { return name_; }

}  // namespace threadlings::lesson06
