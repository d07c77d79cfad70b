// Lesson 11, async/await: make sleep, readable/writable, to_thread and wait_for pass the tests in tests/11_async_await/.
// Concept: what a task can wait for: a timer, a descriptor, a thread, a deadline (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "event_loop.hpp"
#include "task.hpp"

namespace threadlings::lesson11 {

/// Python's TimeoutError as asyncio.wait_for() raises it: the awaited task did not finish in time
/// (and was cancelled).
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The await point of sleep(): a timer on the loop that wakes the task.
///
/// @threadsafety Loop thread only, like every Waiter; it lives in the awaiting coroutine's frame.
class Sleep final : public detail::Waiter {
 public:
  explicit Sleep(Duration delay) noexcept : delay_(delay) {}

 private:
  void start() override;
  void stop() noexcept override;
  Duration delay_;
  Handle timer_;
};

/// asyncio.sleep(delay): suspends the calling task for `delay` of the loop's clock; other tasks run
/// meanwhile. A delay <= 0 still suspends once and lets every ready task run first (Python's
/// `await asyncio.sleep(0)`, the way to yield). Cancelling the task removes its timer and throws
/// CancelledError here.
/// `co_await sleep(1s);` (a sleep that is not awaited does nothing: [[nodiscard]] warns.)
[[nodiscard]] inline Sleep sleep(Duration delay) noexcept { return Sleep(delay); }

/// The await point of readable() and writable(): the loop's add_reader/add_writer on a descriptor.
///
/// @threadsafety Loop thread only. The descriptor must stay open while the task waits for it.
class FdWait final : public detail::Waiter {
 public:
  FdWait(int fd, bool writing) noexcept : fd_(fd), writing_(writing) {}

 private:
  void start() override;
  void stop() noexcept override;
  int fd_;
  bool writing_;
};

/// Suspends the calling task until `fd` is readable (data, end of file, or an error to read), through
/// the loop's epoll. Then read it: with a non-blocking descriptor, a read that finds nothing (EAGAIN,
/// another reader was faster) means await again. Throws std::system_error when epoll refuses `fd`
/// (EBADF, or EPERM for a regular file), InvalidStateError when another task already waits for `fd` in
/// the same direction. Python: what `await loop.sock_recv(...)` does under the hood.
[[nodiscard]] inline FdWait readable(int fd) noexcept { return FdWait(fd, false); }
/// As readable(), until writing to `fd` would not block (or an error is pending).
[[nodiscard]] inline FdWait writable(int fd) noexcept { return FdWait(fd, true); }

namespace detail {

/// The await point of to_thread(): the loop's run_in_thread() of `work`; the task is woken on the
/// loop's thread when `work` has returned. If the task is cancelled meanwhile it stops waiting at once;
/// the thread cannot be stopped and runs `work` to its end, whose result is then dropped.
///
/// @threadsafety Loop thread only, except `work`, which runs on a worker thread and must own what it
/// touches. The link back is touched on the loop's thread only (start, stop, and `done`).
class ThreadWait final : public Waiter {
 public:
  explicit ThreadWait(std::function<void()> work) : work_(std::move(work)) {}
  /// Waiter's await_resume, then rethrows what `work` threw.
  void await_resume();

 private:
  void start() override;
  void stop() noexcept override;
  std::function<void()> work_;
  std::shared_ptr<ThreadWait*> link_;  // the way back from the worker to this await point; nulled by stop()
  std::exception_ptr error_;           // what `work` threw (set on the loop's thread)
};

/// A call to_thread() runs on a worker: the function, and its value once it returned. Shared between
/// the coroutine and the worker, so that either may be gone first. The worker writes the value before
/// the loop's thread reads it, and the loop's queue (a mutex) orders the two.
///
/// @threadsafety run() on one worker thread, then take() on the loop's thread, never at the same time.
template <typename F>
class ThreadCall {
 public:
  using Result = std::invoke_result_t<F&>;
  static_assert(!std::is_reference_v<Result>, "to_thread(): the function must return a value, not a reference");

  explicit ThreadCall(F function) : function_(std::move(function)) {}
  void run() {
    if constexpr (std::is_void_v<Result>) {
      function_();
    } else {
      result_.emplace(function_());
    }
  }
  Result take() {
    if constexpr (std::is_void_v<Result>) {
      return;
    } else {
      return std::move(*result_);
    }
  }

 private:
  F function_;
  std::optional<ValueOf<Result>> result_;
};

/// The timer of wait_for(): when it fires, it cancels the task that was current at construction.
///
/// @threadsafety Loop thread only; it lives in a coroutine frame.
class Deadline {
 public:
  /// Arms the timer. Throws EventLoopError outside a task.
  explicit Deadline(Duration timeout);
  /// Disarms it.
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  /// True once the timer has fired (and cancelled the task).
  [[nodiscard]] bool expired() const noexcept { return expired_; }

 private:
  TaskCore* task_ = nullptr;
  Handle timer_;
  bool expired_ = false;
};

}  // namespace detail

/// asyncio.to_thread(function): calls `function()` on one of the loop's worker threads and suspends
/// the calling task until it returns; gives its value or rethrows its exception, on the loop's thread.
/// Meanwhile the loop runs every other task: this is how a blocking call (a file read, a DNS lookup,
/// a C library that blocks) stays out of the loop's way. `function` is moved to the worker, so it must
/// own everything it uses (CP.53, again: no references to the caller's locals that it may outlive).
template <typename F>
Task<std::invoke_result_t<F&>> to_thread(F function) {
  auto call = std::make_shared<detail::ThreadCall<F>>(std::move(function));
  std::function<void()> work = [call] { call->run(); };
  co_await detail::ThreadWait(std::move(work));
  co_return call->take();
}

/// asyncio.wait_for(task, timeout): co_awaits `task`, but cancels it if it is not done after
/// `timeout`, and then throws TimeoutError. A task that catches the cancellation and returns anyway
/// gives its value. A cancellation from elsewhere still arrives as CancelledError.
template <typename T>
Task<T> wait_for(Task<T> task, Duration timeout) {
  detail::Deadline deadline(timeout);
  try {
    co_return co_await task;
  } catch (const CancelledError&) {
    if (!deadline.expired()) throw;
  }
  throw TimeoutError("wait_for(): the task was not done within the timeout, and was cancelled");
}

}  // namespace threadlings::lesson11
