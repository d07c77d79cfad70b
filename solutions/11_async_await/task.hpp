// Lesson 11, async/await: make Task, create_task, cancel and run pass the tests in tests/11_async_await/.
// Concept: asyncio.Task on C++20 coroutines: a frame, its promise, steps, await points (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "event_loop.hpp"

namespace threadlings::lesson11 {

/// Python's asyncio.CancelledError: thrown into a task at the await point where it is suspended when
/// the task is cancelled, and by co_await of a task that ended cancelled.
///
/// Deliberately *not* derived from std::exception, for the reason Python 3.8 moved CancelledError from
/// Exception to BaseException: a `catch (const std::exception&)` meant for real errors must not swallow
/// a cancellation by accident. Catch it by name, clean up, and rethrow (or carry on: cancellation is a
/// request, and a task may refuse it).
class CancelledError {
 public:
  explicit CancelledError(std::string message = "the task was cancelled") : message_(std::move(message)) {}
  [[nodiscard]] const char* what() const noexcept { return message_.c_str(); }

 private:
  std::string message_;
};

/// Python's asyncio.InvalidStateError and the RuntimeErrors of misused tasks: co_await of a Task that
/// is awaited already ("a Task has one awaiter"), or of one that runs on another loop; create_task()
/// of a Task that is scheduled or started already; cancel() of a Task that was never scheduled; using an
/// empty (moved-from) Task.
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <typename T = void>
class Task;

namespace detail {

/// What a Task<T> produces, as a value: T, or std::monostate for Task<void> (so that gather() and
/// to_thread() can treat every task alike).
template <typename T>
using ValueOf = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

class TaskCore;
class TaskWaiter;

/// Told when a scheduled task ends. A task has at most one watcher: whoever takes its result (the task
/// that co_awaits it, a gather(), run_until_complete()).
///
/// @threadsafety Loop thread only.
class TaskWatcher {
 public:
  /// The task finished (a value, an exception, or cancelled). Called from the loop, in the task's
  /// last step.
  virtual void task_done() = 0;
  /// The task's frame is being destroyed before its watcher took the result: the result is gone.
  virtual void task_gone() noexcept = 0;

 protected:
  TaskWatcher() = default;
  TaskWatcher(const TaskWatcher&) = default;
  TaskWatcher& operator=(const TaskWatcher&) = default;
  virtual ~TaskWatcher() = default;
};

/// One await point: the awaitable a task suspends on when it waits for something the loop will see
/// happen (a timer, a descriptor, a thread, a queue, another task). Python's Future, reduced to what a
/// single waiting task needs. Subclasses say what to wait for in start() and how to stop in stop().
///
/// States: idle (not awaited yet) -> waiting (suspended) -> done (woken) or cancelled. Only a waiting
/// Waiter can be woken or cancelled; a second wake() or cancel() does nothing, which is how the task
/// is never resumed twice for one await.
///
/// @threadsafety Loop thread only. A Waiter lives in the awaiting coroutine's frame (it is the co_await
/// operand) and is neither copied nor moved.
class Waiter {
 public:
  Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  /// Never ready at once: awaiting always goes through the loop (Python: `await asyncio.sleep(0)`
  /// always yields).
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  /// Records this Waiter as where the current task waits (resumed at `frame`), then start()s waiting.
  /// A cancellation requested while the task was running is delivered here, at once. Throws
  /// EventLoopError outside a task (no loop running, or no task stepping); what start() throws is
  /// rethrown at the co_await, with nothing left registered.
  void await_suspend(std::coroutine_handle<> frame);
  /// Throws CancelledError if the wait was cancelled, or if the task was cancelled after it was woken
  /// but before it ran again (Python's _must_cancel).
  void await_resume();

  /// What the awaited thing calls when it happens: waiting -> done, and the task's next step is
  /// scheduled. Does nothing unless waiting.
  void wake();
  /// What Task.cancel() calls on the await point of the task: false unless waiting. If
  /// pass_cancel_on() takes it, the wait goes on (true). Otherwise stop(), waiting -> cancelled, the
  /// task is scheduled (its await_resume throws CancelledError) and true.
  bool cancel();

 protected:
  virtual ~Waiter() = default;
  /// Begin waiting: set the timer, watch the descriptor, join the queue... May throw (nothing is
  /// registered then).
  virtual void start() = 0;
  /// Stop waiting: undo what start() did. Called on cancellation, and when the task's frame goes away.
  virtual void stop() noexcept = 0;
  /// For waits on other tasks (co_await of a task, gather): pass the cancellation on to them and keep
  /// waiting for their end (true), as Python does. The default takes nothing (false).
  virtual bool pass_cancel_on() { return false; }
  /// The loop of the waiting task (valid from await_suspend on).
  [[nodiscard]] EventLoop& loop() const noexcept;
  /// True once woken (done); false while waiting, after a cancellation, or before the await.
  [[nodiscard]] bool woken() const noexcept { return state_ == State::done; }

 private:
  friend class TaskCore;
  enum class State : unsigned char { idle, waiting, done, cancelled };
  State state_ = State::idle;
  TaskCore* task_ = nullptr;  // the waiting task (from await_suspend on)
};

/// The part of every Task's promise that does not depend on T: Python's asyncio.Task (a coroutine
/// driven by the loop one step at a time) and the bookkeeping of a coroutine awaited inline. Written
/// once in task.cpp.
///
/// A coroutine is *scheduled* (create_task, gather, run_until_complete) or *awaited inline* (co_await
/// of a Task nobody scheduled: it starts at once and runs as part of the awaiting task, like
/// `await coro()` in Python). A scheduled task runs in steps: each step resumes it where it waits,
/// with the loop's current task set to it, until its next await point or its end.
///
/// @threadsafety Loop thread only.
class TaskCore {
 public:
  TaskCore() = default;
  TaskCore(const TaskCore&) = delete;
  TaskCore& operator=(const TaskCore&) = delete;

  /// The task the running loop is stepping (the one an await point belongs to), or nullptr.
  [[nodiscard]] static TaskCore* current() noexcept;

  // ---- Used by Promise<T>, Task<T> and Task<T>'s awaiter. -------------------------------------
  /// Remembers the coroutine this promise belongs to (get_return_object).
  void set_frame(std::coroutine_handle<> frame) noexcept { frame_ = frame; }
  /// promise.unhandled_exception(): keeps the exception; a CancelledError means cancelled().
  void unhandled_exception() noexcept;
  /// At the final suspend point: finished. Returns where to go on: the coroutine that awaited this
  /// one inline, if it is suspended waiting for it (symmetric transfer back to it); otherwise
  /// std::noop_coroutine(), back to whoever resumed this frame (await_suspend() of a synchronous
  /// inline run, or the loop's step of a scheduled task).
  [[nodiscard]] std::coroutine_handle<> on_finish() noexcept;
  /// co_await of this task: claim() it; true if it is done (no suspension). Throws InvalidStateError if
  /// it is awaited already, or scheduled on a loop other than the running one.
  [[nodiscard]] bool await_ready();
  /// Not scheduled: runs it inline, right here, until its first real suspension or its end; returns
  /// false if it ended (the awaiter goes on at once), true if it is suspended (it hands control back to
  /// `awaiting` when it ends). Resuming it from inside this call, rather than by symmetric transfer,
  /// means a loop of co_awaits that complete at once uses no stack per turn, even in a Debug build,
  /// where GCC does not turn symmetric transfer into a tail call.
  /// Scheduled: `waiter` becomes the awaiting task's await point until this task ends; returns true.
  [[nodiscard]] bool await_suspend(std::coroutine_handle<> awaiting, TaskWaiter& waiter);
  /// Done: rethrows the task's exception (CancelledError if it was cancelled). Not done: throws
  /// InvalidStateError.
  void rethrow_if_failed() const;
  /// The Task object is going away (~Task): a pending scheduled task leaves its loop (stops waiting,
  /// its step never runs), its watcher learns the result is gone, and the frame is destroyed. Calling it
  /// from inside the task's own step is undefined behaviour in any design; it prints why and aborts.
  void destroy_frame() noexcept;

  // ---- Python's asyncio.Task. ----------------------------------------------------------------------
  /// create_task(): schedules the first step on `loop`. Throws InvalidStateError if scheduled or
  /// started already, EventLoopError if the loop is closed.
  void schedule(EventLoop& loop);
  /// Task.cancel(): false if done. If it waits at an await point, that await point is cancelled
  /// (CancelledError is thrown there when the task resumes); otherwise (about to run, or running) the
  /// cancellation is delivered at its next await point, or, if it never started, it ends cancelled
  /// without running. True. Throws InvalidStateError for a task that was never scheduled.
  bool cancel();
  /// Task.done(), Task.cancelled() (ended by CancelledError).
  [[nodiscard]] bool done() const noexcept;
  [[nodiscard]] bool cancelled() const noexcept;
  /// Done, with an exception (a cancellation included), and that exception.
  [[nodiscard]] bool failed() const noexcept;
  [[nodiscard]] std::exception_ptr error() const noexcept;
  /// The loop it is scheduled on, or nullptr.
  [[nodiscard]] EventLoop* loop() const noexcept;
  /// Takes the right to the result: throws InvalidStateError if someone has it already.
  void claim();
  /// Sets the one watcher (InvalidStateError if another is set) / removes it (if it is `watcher`).
  void watch(TaskWatcher& watcher);
  void unwatch(TaskWatcher& watcher) noexcept;
  /// EventLoop::close(): stop waiting, drop the pending step and forget the loop. The task stays
  /// pending for ever; its Task object still owns (and destroys) the frame.
  void detach_from_loop() noexcept;

 protected:
  ~TaskCore() = default;  // destroyed with the frame, as part of Promise<T>

 private:
  friend class Waiter;
  friend void run_until_done(EventLoop& loop, TaskCore& task);

  enum class Stage : unsigned char { created, started, finished };

  /// Queues step() on the loop.
  void schedule_step();
  /// One step: resume where the task waits, as the loop's current task.
  void step();
  /// The task finished in a step: it leaves the loop and its watcher is told.
  void complete();
  /// Stops waiting and leaves the loop (destroy_frame(), detach_from_loop()).
  void leave_loop() noexcept;

  std::coroutine_handle<> frame_;         // this coroutine
  std::coroutine_handle<> continuation_;  // who awaited it inline (resumed when it ends)
  std::exception_ptr error_;              // what escaped the body
  Stage stage_ = Stage::created;
  bool cancelled_ = false;    // ended by CancelledError
  bool claimed_ = false;      // someone takes the result (co_await, gather, run_until_complete)
  bool must_cancel_ = false;  // cancel() while not waiting: deliver at the next await point
  bool running_inline_ = false;  // inside await_suspend()'s resume of an inline start
  EventLoop* loop_ = nullptr;                // scheduled on
  Waiter* waiting_on_ = nullptr;             // the await point it is suspended at
  std::coroutine_handle<> resume_point_;     // the innermost frame to resume (an inline callee's, maybe)
  Handle step_;                              // its next step, when queued
  TaskWatcher* watcher_ = nullptr;
};

/// The await point of a task that co_awaits a *scheduled* task: it waits for that task's end.
/// Cancelling the awaiting task cancels the awaited one (Python does the same) and keeps waiting for
/// its end; what it ended with is what the co_await gives.
///
/// @threadsafety Loop thread only, like every Waiter.
class TaskWaiter final : public Waiter, public TaskWatcher {
 public:
  TaskWaiter() = default;
  /// The start of co_await's await_resume: unregisters from the awaited task, then throws
  /// CancelledError if the awaiting task was cancelled meanwhile or the awaited one's frame is gone.
  /// Does nothing when the co_await did not suspend (done already, or run inline).
  void finish();

 private:
  friend class TaskCore;
  void start() override;
  void stop() noexcept override;
  bool pass_cancel_on() override;
  void task_done() override;
  void task_gone() noexcept override;

  TaskCore* awaited_ = nullptr;  // the task waited for (null: not suspended, or gone)
  bool gone_ = false;            // its frame was destroyed before it finished
};

/// The final suspend point of every Task: hands over to TaskCore::on_finish() (symmetric transfer to
/// the inline awaiter, when it is suspended waiting for this one).
///
/// @threadsafety Stateless; used by the coroutine machinery on the loop's thread.
struct FinalAwaiter {
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  template <typename Promise>
  [[nodiscard]] std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> frame) const noexcept {
    return frame.promise().on_finish();
  }
  void await_resume() const noexcept {}
};

/// Where a Task<T>'s value goes: return_value for T, return_void for void.
///
/// @threadsafety Loop thread only: written by co_return, read by the one awaiter after the end.
template <typename T>
class PromiseResult : public TaskCore {
 public:
  template <typename V = T>
  void return_value(V&& value) {
    value_.emplace(std::forward<V>(value));
  }
  std::optional<T> value_;  // set by co_return
};

template <>
class PromiseResult<void> : public TaskCore {
 public:
  void return_void() noexcept {}
};

/// The promise of Task<T>: lazy (nothing runs until the task is awaited or scheduled), and its end goes
/// through FinalAwaiter.
///
/// @threadsafety Loop thread only, as TaskCore.
template <typename T>
class Promise final : public PromiseResult<T> {
 public:
  Task<T> get_return_object() noexcept;
  [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }
  [[nodiscard]] FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { TaskCore::unhandled_exception(); }
};

}  // namespace detail

/// A coroutine returning T: Python's coroutine and asyncio.Task in one object.
///
/// ```cpp
/// Task<int> answer() { co_await sleep(1s); co_return 42; }
/// Task<> main_task() {
///   int a = co_await answer();              // await coro(): runs it now, inline
///   Task<int> t = create_task(answer());    // asyncio.create_task: runs concurrently from now on
///   int b = co_await t;                     // waits for it
/// }
/// int main() { run(main_task()); }          // asyncio.run
/// ```
///
/// Ownership: the Task object owns the coroutine frame. Destroying a Task whose scheduled task is
/// still pending *destroys the coroutine where it is suspended*: it stops waiting, its locals are
/// destroyed (RAII cleanup runs), and none of its code runs again. This is this course's choice, and it
/// differs from Python (where the loop keeps a task running after you drop it, and the garbage
/// collector may even destroy a task mid-run that no one references: the asyncio docs warn to "save a
/// reference to the result of this function"). To let a task run its own cleanup, cancel() it and
/// co_await it. A Task that is destroyed while another task co_awaits it makes that co_await throw
/// CancelledError.
///
/// A Task has one awaiter: co_await it once, or gather() it, or run_until_complete() it; the result
/// is moved out to that one. A second co_await throws InvalidStateError (Python's tasks allow many;
/// a coroutine allows one).
///
/// Coroutine rules (C++ Core Guidelines CP.51 and CP.53): a coroutine lambda must not capture
/// anything, and a coroutine should take its parameters by value: the frame outlives the caller's
/// full-expression, so a reference (or a lambda's capture) may dangle by the time the task runs.
///
/// @threadsafety A Task, like the loop, belongs to the loop's thread: create, await, cancel and destroy
/// it there (a Task that no loop has scheduled yet may be created on any thread and moved). Its
/// Awaiter lives in the awaiting coroutine's frame, on the same thread.
template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;

  /// An empty Task (valid() is false), like a moved-from one.
  Task() noexcept = default;
  Task(Task&& other) noexcept : frame_(std::exchange(other.frame_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      frame_ = std::exchange(other.frame_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  /// See "Ownership".
  ~Task() { reset(); }

  /// True unless empty.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(frame_); }
  /// Task.done(), Task.cancelled(), Task.cancel(): see detail::TaskCore.
  [[nodiscard]] bool done() const { return core().done(); }
  [[nodiscard]] bool cancelled() const { return core().cancelled(); }
  bool cancel() { return core().cancel(); }

  /// The co_await of a Task: see TaskCore::await_ready, await_suspend; gives the task's value or
  /// rethrows its exception.
  class Awaiter {
   public:
    explicit Awaiter(promise_type& promise) noexcept : promise_(promise) {}
    [[nodiscard]] bool await_ready() { return promise_.await_ready(); }
    [[nodiscard]] bool await_suspend(std::coroutine_handle<> awaiting) { return promise_.await_suspend(awaiting, waiter_); }
    T await_resume() {
      waiter_.finish();  // first: if the awaited frame is gone, promise_ must not be touched
      promise_.rethrow_if_failed();
      if constexpr (std::is_void_v<T>) {
        return;
      } else {
        return std::move(*promise_.value_);
      }
    }

   private:
    promise_type& promise_;
    detail::TaskWaiter waiter_;
  };
  /// co_await task: throws InvalidStateError on an empty Task.
  Awaiter operator co_await() const { return Awaiter(promise()); }

  /// The task's state (throws InvalidStateError on an empty Task).
  [[nodiscard]] detail::TaskCore& core() const { return promise(); }
  /// For gather(), to_thread() and run_until_complete(): the value of a done task (moved out), or its
  /// exception rethrown. Throws InvalidStateError if it is not done.
  detail::ValueOf<T> take_result() {
    promise_type& p = promise();
    p.rethrow_if_failed();
    if constexpr (std::is_void_v<T>) {
      return {};
    } else {
      return std::move(*p.value_);
    }
  }

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> frame) noexcept : frame_(frame) {}
  promise_type& promise() const {
    if (!frame_) throw InvalidStateError("use of an empty Task (moved from, or default-constructed)");
    return frame_.promise();
  }
  void reset() noexcept {
    if (frame_) std::exchange(frame_, {}).promise().destroy_frame();
  }

  std::coroutine_handle<promise_type> frame_;
};

template <typename T>
Task<T> detail::Promise<T>::get_return_object() noexcept {
  const auto frame = std::coroutine_handle<Promise>::from_promise(*this);
  this->set_frame(frame);
  return Task<T>(frame);
}

/// asyncio.create_task(coro): schedules `task` on the running loop (it starts in a later iteration and
/// runs concurrently with the caller) and gives it back. Keep the result: see Task's "Ownership".
/// Throws EventLoopError outside a running loop, InvalidStateError if it is scheduled or started.
template <typename T>
[[nodiscard]] Task<T> create_task(Task<T> task) {
  task.core().schedule(get_running_loop());
  return task;
}

/// loop.create_task(coro): the same on a given loop, which need not be running yet.
template <typename T>
[[nodiscard]] Task<T> create_task(EventLoop& loop, Task<T> task) {
  task.core().schedule(loop);
  return task;
}

namespace detail {
/// run_until_complete()'s engine: claims `task`, schedules it on `loop` unless it is there already,
/// runs the loop until the task is done, and leaves the result in it. Throws InvalidStateError if the
/// task is claimed or on another loop, what run_forever() throws, and EventLoopError if the loop was
/// stopped before the task was done.
void run_until_done(EventLoop& loop, TaskCore& task);
}  // namespace detail

/// loop.run_until_complete(task): runs `loop` until `task` is done; returns its value or rethrows its
/// exception. The task is scheduled on `loop` if it is not already.
template <typename T>
T run_until_complete(EventLoop& loop, Task<T> task) {
  detail::run_until_done(loop, task.core());
  if constexpr (std::is_void_v<T>) {
    (void)task.take_result();
  } else {
    return task.take_result();
  }
}

/// asyncio.run(main): a new loop (reading `clock`, a SteadyClock by default) runs `main` to its end;
/// returns its value or rethrows its exception. Then the loop is closed: its threads joined, its
/// descriptors closed. Tasks `main` created and left pending are destroyed with main's frame, or, if
/// their Task objects live elsewhere, detached (see EventLoop::close). Throws EventLoopError when
/// called from a coroutine (a loop runs in this thread already).
template <typename T>
T run(Task<T> main, std::unique_ptr<Clock> clock = nullptr) {
  EventLoop loop(std::move(clock));
  return run_until_complete(loop, std::move(main));
}

}  // namespace threadlings::lesson11
