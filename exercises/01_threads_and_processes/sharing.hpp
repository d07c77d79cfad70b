// Lesson 01, threads and processes: make the functions below pass the tests in tests/01_threads_and_processes/.
// Concept: threads share their process's data, a forked child gets a copy; pid vs tid (lessons/01_threads_and_processes/README.md).
// Check: ./threadlings check 01    (or ctest --preset student -L lesson01)
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <sys/types.h>

/// Lesson 01: who runs where, and who sees whose writes.
///
/// Each function here runs a little code somewhere else (on a new thread, or in a forked child
/// process) and brings back what it saw, so that a test can compare the two worlds:
///
/// ```cpp
/// int value = 1;
/// run_in_thread([&] { value = 2; return value; });   // value == 2 afterwards: threads share memory
/// run_in_child([&] { value = 3; return value; });    // returns 3, yet value is still 2: the child
///                                                     // wrote to its own copy
/// ```
namespace threadlings::lesson01 {

// TODO: nothing to write in this header: read the contracts, then fill in sharing.cpp
// (an edit here rebuilds the tests; an edit of sharing.cpp only relinks them).

/// Who is running: a process id and a thread id, both as the kernel numbers them.
///
/// - `pid` is what `getpid()` returns (Python: `os.getpid()`). Every thread of a process sees the same.
/// - `tid` is what `gettid()` returns (Python: `threading.get_native_id()`). Each thread has its own;
///   a process's first thread has `tid == pid`.
///
/// @threadsafety A plain value: copies may be used from any thread.
struct Identity {
  pid_t pid = 0;
  pid_t tid = 0;

  friend bool operator==(const Identity&, const Identity&) = default;
};

/// What a forked child reports about itself.
///
/// @threadsafety A plain value: copies may be used from any thread.
struct ChildIdentity {
  /// The child's own ids, taken inside the child.
  Identity self;
  /// `getppid()` inside the child (Python: `os.getppid()`): the pid of the process that forked it.
  pid_t parent = 0;

  friend bool operator==(const ChildIdentity&, const ChildIdentity&) = default;
};

/// A child process ended without sending back what it was asked for: its target threw, or it exited
/// or was killed before it wrote its answer.
///
/// @threadsafety Like any exception object: immutable once thrown.
class ChildError : public std::runtime_error {
 public:
  ChildError(const std::string& what, int exit_code) : std::runtime_error(what), exit_code_(exit_code) {}

  /// How the child ended, as Python's `Process.exitcode` says it: N for `_exit(N)`, -S for death by
  /// signal S.
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

/// The calling thread's ids: `(os.getpid(), threading.get_native_id())`.
/// Blocks: no. Throws: nothing (in the finished exercise).
/// @threadsafety Safe to call from any thread.
[[nodiscard]] Identity identify_this_thread();

/// Starts a new thread that takes its own ids, joins it, and returns what it reported.
/// Blocks: until the new thread has finished. Throws std::system_error when no thread can be started.
/// @threadsafety Safe to call from any thread.
[[nodiscard]] Identity identify_new_thread();

/// Forks a child process that takes its own ids and its parent's pid and sends them back through a
/// pipe; reaps the child; returns the report.
/// Blocks: until the child has exited and been reaped.
/// Throws std::system_error when pipe() or fork() fails (nothing is left behind), ChildError when the
/// child ends without reporting. The child is reaped on every path.
/// @threadsafety Safe to call from any thread. The child runs only async-signal-safe code, so it is
/// also safe when other threads exist (fork copies only the calling thread).
[[nodiscard]] ChildIdentity identify_child_process();

/// Runs `target` on a new thread, joins it, and returns what `target` returned.
/// Python: `t = Thread(target=...); t.start(); t.join()`, with the result passed back in a variable.
///
/// The thread works on the caller's memory: whatever `target` writes through references it captured
/// is visible to the caller afterwards (the join orders the writes before the return).
/// Blocks: until `target` has returned. Throws std::system_error when no thread can be started.
/// Requires: `target` does not throw (an exception escaping a std::thread calls std::terminate;
/// lesson 03 catches it instead).
/// @threadsafety Safe to call from any thread; `target` must synchronize any data it shares with
/// threads other than the caller.
int run_in_thread(const std::function<int()>& target);

/// Forks a child process that runs `target` and sends its result back through a pipe; reaps the child;
/// returns the result.
/// Python: `os.fork()` with `os.pipe()`, or `multiprocessing.Process` with a `Pipe`.
///
/// The child works on a *copy* of the caller's memory, taken at the fork: it sees every value the
/// parent had at that moment, and nothing either process writes afterwards reaches the other.
/// The child leaves with `_exit()`: it never returns into the caller's code, never runs destructors
/// or atexit handlers, and never flushes stdio buffers it inherited.
///
/// Blocks: until the child has exited and been reaped.
/// Throws std::system_error when pipe() or fork() fails (nothing is left behind); ChildError when the
/// child sends no result: `target` threw (exit code 1, as in Python), or it exited or was killed first.
/// The child is reaped on every path.
/// Requires: when other threads exist, `target` calls only async-signal-safe functions (fork copies
/// the calling thread alone; a lock another thread held stays locked forever in the child).
/// @threadsafety Safe to call from any thread, with the requirement above.
int run_in_child(const std::function<int()>& target);

}  // namespace threadlings::lesson01
