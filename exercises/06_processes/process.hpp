// Lesson 06, processes: make Process pass the tests in tests/06_processes/.
// Concept: multiprocessing.Process with the fork and spawn start methods, exit codes, reaping (lessons/06_processes/README.md).
// Check: ./threadlings check 06    (or ctest --preset student -L lesson06)
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include <sys/types.h>

#include "threadlings/unique_fd.hpp"

/// Lesson 06: child processes with Python's `multiprocessing.Process` semantics.
namespace threadlings::lesson06 {

/// A misuse of a Process, where Python fails an assertion: starting it twice, joining or stopping
/// it before start(), joining it from a process other than its parent.
class ProcessError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// How start() makes the child (Python's start methods, `multiprocessing.get_context(method)`).
enum class StartMethod {
  fork,   ///< fork(): the child is a copy of the parent, memory and all, and runs the target there
  spawn,  ///< posix_spawn of /proc/self/exe: a fresh run of the program, which runs a named entry
};

/// What a spawned child runs: the entry point registered under `entry` (THREADLINGS_SPAWN_ENTRY in
/// threadlings/spawn_entry.hpp), given `args` as bytes. A fresh program has none of its parent's
/// memory, so a name and bytes are all that can cross (Python pickles the target by name, and its
/// arguments by value, for the same reason).
struct SpawnTarget {
  std::string entry;  ///< the registered name
  std::string args;   ///< any bytes, NULs included; the entry receives exactly these
};

/// A child process with `multiprocessing.Process`'s interface.
///
/// ```cpp
/// Process worker([] { compute(); });                       // start method fork: runs a closure
/// Process fresh(SpawnTarget{"compute_prime", "50"});       // start method spawn: runs an entry
/// worker.start();
/// if (!worker.join(std::chrono::seconds(5))) worker.terminate();
/// worker.join();
/// std::cout << *worker.exitcode();                         // 0, N for _exit(N), -15 after SIGTERM
/// ```
///
/// - The child ends with `_exit`, never by returning into its parent's code or by `exit()`. Its exit
///   code is 0 when the target returns, 1 when the target throws (what() goes to stderr, prefixed with
///   "Exception in process NAME"), N when the target calls `_exit(N)`, and -S when a signal S kills it.
/// - start() flushes std::cout/stdout and std::cerr/stderr first (and the child flushes them before it
///   leaves), so text buffered before the fork is printed once, by the parent. Other FILE* buffers
///   are not flushed, as in Python: the child leaves them to the parent.
/// - Waiting uses a pidfd (Linux 5.3 or newer): join(timeout) sleeps in ppoll() until the child ends
///   or the time is up, with no polling loop and no SIGCHLD handler; terminate() and kill() signal
///   through it, so they can never hit an unrelated process that reused the pid.
/// - The child is reaped (waitpid) by the first call that sees it ended: join, join(timeout),
///   is_alive() or exitcode(). Nothing else in the program may reap it (no waitpid(-1), SIGCHLD not
///   set to SIG_IGN).
/// - Destruction of a started Process waits for the child to end and reaps it, like join(): no
///   zombie outlives the object, and no work is killed silently. Python does not kill a running
///   child either; its interpreter waits for non-daemon children at exit. To bound the wait, call
///   terminate() or kill() first. A copy of the object inside a forked child does nothing.
///
/// @threadsafety start() is called once, by the owning thread, before other threads use the object.
/// After that, join(), join(timeout), is_alive(), pid(), exitcode(), terminate() and kill() may be
/// called from any number of threads at once. The forked child runs a copy of the parent with only
/// the forking thread in it: a lock another thread held at that moment stays locked in the child
/// forever, so with threads around a fork target may only call async-signal-safe functions (or use
/// spawn, or pthread_atfork). The object must be destroyed by its owner, not while another thread uses it.
class Process {
 public:
  using Target = std::function<void()>;

  /// `Process(target=target, name=name)` with the fork start method. An empty target makes a child
  /// that does nothing and exits with 0. An empty name becomes "Process-N", numbered as Python does.
  explicit Process(Target target, std::string name = {});

  /// `get_context("spawn").Process(target=..., args=...)`: the child is a fresh run of this program
  /// that runs `target.entry` with `target.args`. The program's main() must call
  /// threadlings::run_spawned_child_if_requested() first (see threadlings/spawn_entry.hpp).
  explicit Process(SpawnTarget target, std::string name = {});

  /// Waits for a started child that nobody reaped yet, and reaps it (see the class comment).
  /// Blocks: until the child ends. Never throws.
  ~Process();

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;  // the mutex and the child's identity stay with one object
  Process& operator=(Process&&) = delete;

  /// Starts the child. Returns once it exists (spawn: once its arguments are written).
  /// Throws ProcessError("cannot start a process twice") on a second call and changes nothing then;
  /// ProcessError when called in a process other than the one that made the object;
  /// std::invalid_argument (spawn) when no entry is registered under the target's name, before any
  /// child exists; std::system_error when fork, posix_spawn or pidfd_open fails (no child is left
  /// behind then).
  void start();

  /// Blocks until the child has ended, and reaps it. Returns at once if it was already reaped; any
  /// number of joins is fine. Throws ProcessError before start(), and when called in a process other
  /// than the parent ("can only join a child process"). Retries EINTR.
  void join();

  /// As join(), but gives up after `timeout` (a negative timeout is zero: just look). Returns true
  /// when the child has ended and is reaped, false when the time ran out first (it is still running).
  [[nodiscard]] bool join(std::chrono::nanoseconds timeout);

  /// True from start() until the child ends; false before start(). Never blocks; reaps the child if
  /// it has ended. Throws ProcessError when called in a process other than the parent.
  [[nodiscard]] bool is_alive();

  /// The child's pid; empty before start(). Stays set after the child is reaped (as in Python).
  [[nodiscard]] std::optional<pid_t> pid() const;

  /// Empty before start() and while the child runs; afterwards how it ended (see the class comment).
  /// Never blocks; reaps the child if it has ended.
  [[nodiscard]] std::optional<int> exitcode();

  /// Sends SIGTERM (`Process.terminate()`): the child's default action is to end, with exit code -15.
  /// Does nothing once the child is reaped. Throws ProcessError before start().
  void terminate();

  /// Sends SIGKILL (`Process.kill()`), which the child can not catch or ignore: exit code -9.
  /// Does nothing once the child is reaped. Throws ProcessError before start().
  void kill();

  [[nodiscard]] StartMethod start_method() const noexcept;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  /// A child that exists, and the pidfd that refers to it.
  struct Launched {
    pid_t pid = -1;
    UniqueFd pidfd;
  };

  /// fork(), then run the target in the child and leave with _exit; returns the child in the parent.
  Launched launch_by_fork();

  /// posix_spawn of /proc/self/exe with the protocol of threadlings/spawn_entry.hpp; returns the child.
  Launched launch_by_spawn();

  /// The forked child's whole life after fork() returns 0 (CPython's `Process._bootstrap`): runs the
  /// target, reports an exception, flushes stdout and stderr; returns the exit code for `_exit`.
  int run_target_in_child() noexcept;

  /// Waits (all of it, or at most `timeout`) until the child ends, then reaps it. Returns whether it
  /// did. Throws ProcessError for the misuses join() lists.
  bool wait_for_exit(std::optional<std::chrono::nanoseconds> timeout);

  /// Reaps the child if it has ended (waitpid, without blocking). Returns whether it is reaped.
  /// Requires: mutex_ held, started_.
  bool reap_if_ended();

  /// Sends `signal` through the pidfd, unless the child is already reaped. `what` names the call.
  void send_signal(int signal, const char* what);

  // TODO: these members are enough for the tests; add more only if your design needs them
  // (a header edit rebuilds the tests, an edit of process.cpp only relinks them).
  std::variant<Target, SpawnTarget> target_;  // which alternative it holds is the start method
  std::string name_;
  pid_t parent_pid_;                          // the process that made this object; only it starts and joins
  mutable std::mutex mutex_;
  bool started_ = false;                      // guarded by mutex_
  pid_t pid_ = -1;                            // guarded by mutex_; set once, by start()
  UniqueFd pidfd_;                            // guarded by mutex_; set once by start(), closed by the destructor
  std::optional<int> exitcode_;               // guarded by mutex_; set once, by the call that reaps
};

/// The number of CPUs the calling thread may run on: the size of its affinity mask
/// (`os.process_cpu_count()`, Python 3.13; `len(os.sched_getaffinity(0))` before). This is what a
/// pool should size itself by: `taskset -c 0 prog`, a container's cpuset or a batch scheduler can
/// give a process fewer CPUs than the machine has, which std::thread::hardware_concurrency() and
/// Python's `os.cpu_count()` / `multiprocessing.cpu_count()` do not see.
/// Throws std::system_error when sched_getaffinity fails.
/// @threadsafety Safe to call from any thread (each thread has its own mask).
[[nodiscard]] int process_cpu_count();

}  // namespace threadlings::lesson06
