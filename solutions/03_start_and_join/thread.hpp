// Lesson 03, starting and joining: make Thread and the excepthook pass the tests in tests/03_start_and_join/.
// Concept: join(), join(timeout), is_alive(), exceptions in threads reported by an excepthook, RAII join.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

/// Lesson 03: waiting for threads, and what happens when one fails.
namespace threadlings::lesson03 {

/// A misuse of a Thread, where Python raises RuntimeError: starting it twice, joining it before it
/// was started, a thread joining itself.
class ThreadError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// What an excepthook is told about an exception that escaped a thread's target
/// (Python's `threading.ExceptHookArgs`: exc_type/exc_value/exc_traceback/thread).
struct ExceptHookArgs {
  std::exception_ptr exception;  ///< the exception that escaped; never null when a thread reports it
  std::string thread_name;       ///< the name of the thread it escaped from
  std::thread::id ident;         ///< that thread's identifier
};

/// A handler for exceptions that escape a thread (`threading.excepthook`).
using ExceptHook = std::function<void(const ExceptHookArgs&)>;

/// Writes "Exception in thread NAME: WHAT" and a newline to std::cerr, where WHAT is what() of a
/// std::exception and "unknown exception" for anything else (`threading.__excepthook__`).
/// @threadsafety Safe to call from any thread.
void default_excepthook(const ExceptHookArgs& args);

/// Installs `hook` as the process-wide excepthook and returns the one it replaces (at first,
/// `default_excepthook` itself, as a plain function pointer). `threading.excepthook = hook`.
/// Throws std::invalid_argument when `hook` is empty (install default_excepthook to restore it).
/// @threadsafety Safe to call from any thread, also while threads are reporting exceptions.
ExceptHook set_excepthook(ExceptHook hook);

/// Calls the installed excepthook with `args`, on the calling thread. A thread calls it when its
/// target throws. The hook runs without any lock held, so it may itself call set_excepthook().
/// A hook that throws ends the program (std::terminate), as any exception escaping a thread does.
/// @threadsafety Safe to call from any thread.
void excepthook(const ExceptHookArgs& args);

/// A thread with Python's ways of waiting for it: `join()`, `join(timeout)`, `is_alive()`.
///
/// ```cpp
/// Thread worker([] { download(); }, "downloader");
/// worker.start();
/// if (!worker.join(std::chrono::seconds(5))) std::cout << "still downloading\n";
/// worker.join();
/// ```
///
/// - `join(timeout)` returns whether the thread has finished (Python returns None and you ask
///   `is_alive()`; both work here). A negative timeout is treated as zero, as in Python.
/// - An exception escaping the target does not end the program (as it would with std::thread): it is
///   handed to the excepthook (see set_excepthook) on the failing thread, and the thread ends.
///   join() does not rethrow it.
/// - Destruction joins a started thread that nobody joined (RAII; C++ Core Guidelines CP.25). A
///   Thread must not be destroyed by its own thread.
///
/// @threadsafety start() is called once, by the thread that owns the object. join(), join(timeout),
/// is_alive() and ident() may be called from any number of threads at once. The target runs on the new
/// thread and synchronizes its own data; a successful join() makes everything the target wrote
/// visible to the joiner.
class Thread {
 public:
  using Target = std::function<void()>;

  /// `threading.Thread(target=target, name=name)`: stores both; runs nothing yet. An empty target
  /// makes a thread that does nothing.
  Thread(Target target, std::string name);

  /// Joins the thread if it was started and not joined yet (never std::terminate).
  ~Thread();

  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  Thread(Thread&&) = delete;  // the running thread refers to this object
  Thread& operator=(Thread&&) = delete;

  /// Runs the target on a new thread. Throws ThreadError("threads can only be started once") on a
  /// second call, and changes nothing then.
  void start();

  /// Blocks until the target has returned (or thrown). Returns at once when it already has; any number
  /// of joins is fine. Throws ThreadError before start(), and when the thread would join itself.
  void join();

  /// Blocks until the target has returned or `timeout` has passed, whichever comes first; returns
  /// true when the thread has finished (it is then joined). Same errors as join().
  [[nodiscard]] bool join(std::chrono::nanoseconds timeout);

  /// True from start() until the target has returned or thrown (`Thread.is_alive()`); false before
  /// start(). Never blocks for long (it takes a lock the thread holds only briefly).
  [[nodiscard]] bool is_alive() const;

  [[nodiscard]] const std::string& name() const noexcept;

  /// The thread's identifier; empty until start().
  [[nodiscard]] std::optional<std::thread::id> ident() const;

 private:
  /// What the new thread runs (CPython's `Thread._bootstrap_inner`): the target, the excepthook if
  /// it throws, then the mark that wakes joiners.
  void bootstrap();

  /// Throws ThreadError for the two misuses of join(). Requires: mutex_ held.
  void check_can_join() const;

  Target target_;
  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable finished_cv_;   // notified once, when finished_ becomes true
  bool started_ = false;                  // guarded by mutex_
  bool finished_ = false;                 // guarded by mutex_
  std::optional<std::thread::id> ident_;  // guarded by mutex_
  std::thread thread_;                    // joined under mutex_, by the first join that sees finished_
};

}  // namespace threadlings::lesson03
