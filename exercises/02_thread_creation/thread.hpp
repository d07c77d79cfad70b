// Lesson 02, thread creation: make Thread and start_new_thread pass the tests in tests/02_thread_creation/.
// Concept: threading.Thread(target, args), start() once, run() overrides, _thread.start_new_thread.
// Check: ./threadlings check 02    (or ctest --preset student -L lesson02)
#pragma once

#include <concepts>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <sys/types.h>

/// Lesson 02: a thread object with Python's life cycle.
namespace threadlings::lesson02 {

/// A misuse of a Thread, where Python raises RuntimeError: starting it twice, joining it before it
/// was started, changing its daemon flag once it runs.
class ThreadError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// A thread of control with the life cycle of Python's `threading.Thread`.
///
/// ```cpp
/// Thread worker(compute_primes, 50);   // threading.Thread(target=compute_primes, args=(50,))
/// worker.start();                      // now it runs, beside the caller
/// worker.join();                       // wait until it is done
/// ```
///
/// - Construction stores the target and a copy of each argument; **no thread runs yet**.
///   `std::ref(x)` passes `x` by reference instead (as for std::thread); the referenced object must
///   outlive the run.
/// - `start()` starts a new thread and returns once that thread is running, so that `ident()` and
///   `native_id()` are known (Python's start() waits the same way). The target moves into the new
///   thread, which runs it; a Thread made without a target runs `run()` instead. A second `start()`
///   throws ThreadError.
/// - `run()` calls the target (if start() has not taken it yet); a subclass overrides it instead of
///   passing a target.
/// - Destruction joins a started thread that was not joined, unless it is a daemon, which is left
///   running (Python lets daemon threads be killed at exit). That is safe for a target, which the
///   thread owns. A subclass that overrides `run()` *is* the code being run: it must join in its own
///   destructor, daemon or not, because once it is destroyed `run()` may not touch it.
/// - An exception escaping `run()` ends the program (std::terminate), as it does for std::thread;
///   lesson 03 catches it instead.
///
/// @threadsafety A Thread object is owned by one controlling thread: start(), join(), set_name()
/// and set_daemon() must not race with each other. After start() returns, the getters may be called
/// from any thread. The target runs on the new thread and must synchronize its own data.
class Thread {
 public:
  using Target = std::function<void()>;

  /// A thread whose run() does nothing unless a subclass overrides it (`threading.Thread()`).
  Thread();

  /// `threading.Thread(target=f, args=(a, b))`: stores `f` and copies of `a`, `b`; runs nothing yet.
  /// The callable and the arguments must be copyable (they are kept in a std::function).
  template <class Callable, class... Args>
    requires std::invocable<std::decay_t<Callable>&, std::decay_t<Args>&...>
  explicit Thread(Callable&& target, Args&&... args)
      : Thread(Target(std::bind_front(std::forward<Callable>(target), std::forward<Args>(args)...)),
               StoredTarget{}) {}

  /// Joins a started, non-daemon thread that nobody joined; leaves a daemon thread running.
  virtual ~Thread();

  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  Thread(Thread&&) = delete;  // the running thread refers to this object
  Thread& operator=(Thread&&) = delete;

  /// Runs the target (or, without one, run()) on a new thread; returns once that thread has started.
  /// Throws ThreadError("threads can only be started once") on a second call.
  void start();

  /// Blocks until the thread's run() has returned.
  /// Throws ThreadError when the thread was never started, and when a thread tries to join itself.
  void join();

  /// What the new thread executes when the Thread has no target. Calls the target, if any (so a
  /// direct call runs it on the caller's thread, as in Python). Override it in a subclass.
  virtual void run();

  /// "Thread-N" unless set: N counts every Thread created in this process, from 1.
  [[nodiscard]] const std::string& name() const noexcept;
  void set_name(std::string name);

  /// A daemon thread is not joined at destruction. Throws ThreadError once the thread was started.
  [[nodiscard]] bool daemon() const noexcept;
  void set_daemon(bool daemon);

  /// The thread's identifier (`Thread.ident`); empty until started.
  [[nodiscard]] std::optional<std::thread::id> ident() const noexcept;

  /// The kernel's id of the thread, as `gettid()` returns inside it (`Thread.native_id`); empty until
  /// started.
  [[nodiscard]] std::optional<pid_t> native_id() const noexcept;

 private:
  struct StoredTarget {};
  Thread(Target target, StoredTarget);

  // TODO: these members are enough for the tests; add more only if your design needs them
  // (a header edit rebuilds the tests, an edit of thread.cpp only relinks them).
  Target target_;
  std::string name_;
  bool daemon_ = false;
  bool started_ = false;
  std::thread thread_;
  std::optional<std::thread::id> ident_;
  std::optional<pid_t> native_id_;
};

/// `_thread.start_new_thread(f, args)`: runs `f(args...)` on a new, detached thread and returns its
/// identifier. Nothing can join it: the caller must synchronize with it some other way, and every
/// object it uses must outlive it (capture shared ownership, not references to locals).
template <class Callable, class... Args>
  requires std::invocable<std::decay_t<Callable>&, std::decay_t<Args>&...>
std::thread::id start_new_thread(Callable&& function, Args&&... args);

/// The non-template part of start_new_thread.
std::thread::id start_new_thread_detached(std::function<void()> function);

template <class Callable, class... Args>
  requires std::invocable<std::decay_t<Callable>&, std::decay_t<Args>&...>
std::thread::id start_new_thread(Callable&& function, Args&&... args) {
  return start_new_thread_detached(
      std::bind_front(std::forward<Callable>(function), std::forward<Args>(args)...));
}

}  // namespace threadlings::lesson02
