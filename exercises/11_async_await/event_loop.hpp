// Lesson 11, async/await: make EventLoop pass the tests in tests/11_async_await/.
// Concept: asyncio's event loop: a ready queue, a timer heap, epoll, a thread pool (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
// TODO: nothing to write in this header: read the contracts, then fill in event_loop.cpp
// (an edit here rebuilds the tests; an edit of event_loop.cpp only relinks them).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson11 {

/// Times and delays of the loop: nanoseconds (Python's loop.time() is a float of seconds).
using Duration = std::chrono::nanoseconds;

/// Python's RuntimeError for a misused loop: running a loop that is already running, running a
/// second loop in a thread that runs one, a loop call from a thread that is not the loop's, a call
/// on a closed loop, "no running event loop".
class EventLoopError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Thrown by run_forever() (and so by run() and run_until_complete()) when the loop has a virtual
/// clock and nothing can ever happen again: nothing is ready, no timer is set, no descriptor is watched
/// and no thread is working for it. Every task waits for something no one will do (a queue no one
/// puts into, a task no one finishes). Python's loop would wait for ever; a test prefers to know.
class DeadlockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where the loop reads the time. The loop asks it for `now()` and, when the clock is virtual, moves
/// it forward itself (see EventLoop: "Time").
///
/// @threadsafety An implementation is used by its loop's thread only.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time, as a duration since the clock's own epoch.
  [[nodiscard]] virtual Duration now() const = 0;
  /// True for a virtual clock: its time moves only when the loop moves it.
  [[nodiscard]] virtual bool is_virtual() const noexcept = 0;
  /// A virtual clock jumps to `when` (never backwards: an earlier `when` changes nothing). A real
  /// clock cannot be moved and throws std::logic_error.
  virtual void advance_to(Duration when) = 0;

 protected:
  Clock() = default;
  Clock(const Clock&) = default;
  Clock& operator=(const Clock&) = default;
};

/// The real clock: std::chrono::steady_clock, the monotonic clock Python's loop.time() reads. The
/// default of every loop.
///
/// @threadsafety Stateless: safe from any thread.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] Duration now() const override { return std::chrono::steady_clock::now().time_since_epoch(); }
  [[nodiscard]] bool is_virtual() const noexcept override { return false; }
  void advance_to(Duration /*when*/) override { throw std::logic_error("SteadyClock::advance_to: real time cannot be moved"); }
};

/// A clock for tests: it starts at `start` and stands still until the loop, having nothing else to do,
/// jumps it to the next timer's deadline. Three tasks sleeping 3, 1 and 2 s then finish in the order
/// 1, 2, 3 at virtual time 3 s, in microseconds of real time.
///
/// @threadsafety Not synchronized: its loop's thread only (the loop reads and moves it).
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Duration start = Duration::zero()) noexcept : now_(start) {}
  [[nodiscard]] Duration now() const override { return now_; }
  [[nodiscard]] bool is_virtual() const noexcept override { return true; }
  void advance_to(Duration when) override {
    if (when > now_) now_ = when;
  }

 private:
  Duration now_;
};

namespace detail {

class TaskCore;  // task.hpp: the state of one asyncio.Task
class Waiter;    // task.hpp: one await point

/// One scheduled call: what the ready queue, the timer heap and the descriptor table hold, and what a
/// Handle points at. A cancelled callback stays where it is and is skipped when its turn comes.
///
/// @threadsafety Loop thread only (the loop and the Handles share it there).
struct Callback {
  explicit Callback(std::function<void()> f) : function(std::move(f)) {}
  std::function<void()> function;
  bool cancelled = false;
};

}  // namespace detail

/// Python's asyncio.Handle / TimerHandle: what call_soon() and call_later() return, to cancel the call.
///
/// @threadsafety Like the loop's own calls: use it on the loop's thread only.
class Handle {
 public:
  Handle() noexcept = default;
  /// Handle.cancel(): the callback will not run, if it has not run yet. Cancelling twice, or after it
  /// ran, does nothing.
  void cancel() noexcept {
    if (callback_) callback_->cancelled = true;
  }
  /// Handle.cancelled().
  [[nodiscard]] bool cancelled() const noexcept { return callback_ && callback_->cancelled; }

 private:
  friend class EventLoop;
  explicit Handle(std::shared_ptr<detail::Callback> callback) noexcept : callback_(std::move(callback)) {}
  std::shared_ptr<detail::Callback> callback_;
};

/// Python's asyncio event loop (the selector loop of Lib/asyncio/base_events.py and
/// selector_events.py), on epoll, an eventfd and a small pool of threads.
///
/// One iteration (run_once, Python's _run_once):
///  1. decide how long to block: not at all if a callback is ready or stop() was called; else until
///     the earliest timer; else for ever;
///  2. epoll_wait() that long: callbacks of descriptors that became ready join the ready queue, and
///     so do the callbacks other threads sent with call_soon_threadsafe() (the eventfd woke us);
///  3. timers whose deadline has come join the ready queue, earliest first (equal deadlines: in the
///     order they were set);
///  4. run the callbacks that are ready *now*, in order; what they schedule runs next iteration.
///
/// Time: time() reads the loop's Clock. A real clock (SteadyClock, the default) is waited for in
/// epoll_wait. A virtual clock (VirtualClock, for tests) never makes the loop wait for a timer: when
/// nothing is ready and nothing is in flight (no descriptor is watched, no run_in_thread() call is
/// working), the loop jumps the clock to the earliest deadline. While something is in flight the loop
/// blocks in epoll_wait() for it and virtual time stands still. With nothing at all left to happen, a
/// virtual-clock loop throws DeadlockError instead of waiting for ever.
///
/// Callbacks: an exception escaping a callback propagates out of run_forever() (Python logs it and
/// carries on; here a bug in a callback stops the loop where you can see it). The callbacks that were
/// ready stay queued for the next run.
///
/// Lifetime: close() (and the destructor) detaches the tasks still pending (their Task objects keep
/// their coroutines, which never run again), joins the worker threads (waiting for the calls they are
/// running) and closes the epoll descriptor and the eventfd.
///
/// @threadsafety The loop is single-threaded, like asyncio's: every member function runs on the loop's
/// thread (the one inside run_forever()) or, while the loop is not running, on the thread that owns it.
/// A loop call made from another thread while the loop runs throws EventLoopError (Python checks this
/// only in debug mode). The exceptions, safe from any thread at any time: call_soon_threadsafe(),
/// is_running() and is_closed(). Callbacks run on the loop's thread; run_in_thread()'s work runs on a
/// worker thread and its `done` on the loop's thread.
class EventLoop {
 public:
  /// A loop reading `clock` (nothing: a SteadyClock), whose run_in_thread() uses at most
  /// `max_workers` threads (0: Python's default for to_thread, min(32, CPUs + 4)). Creates the epoll
  /// descriptor and the eventfd (close-on-exec); starts no thread. Throws std::system_error when the
  /// kernel refuses them.
  explicit EventLoop(std::unique_ptr<Clock> clock = nullptr, std::size_t max_workers = 0);
  /// close(), if it was not called.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// The loop running in the calling thread, or nullptr (asyncio._get_running_loop()).
  /// @threadsafety Any thread: it answers for the calling thread.
  [[nodiscard]] static EventLoop* running() noexcept;

  /// loop.time(): the clock's now.
  [[nodiscard]] Duration time() const;

  /// loop.call_soon(callback): runs it in a later iteration, after the callbacks ready before it.
  Handle call_soon(std::function<void()> callback);
  /// loop.call_later(delay, callback): runs it once time() >= time() + delay. Callbacks with equal
  /// deadlines run in the order they were scheduled. A delay <= 0 runs it in the next iteration.
  Handle call_later(Duration delay, std::function<void()> callback);
  /// loop.call_at(when, callback): call_later at an absolute time of this loop's clock.
  Handle call_at(Duration when, std::function<void()> callback);

  /// loop.call_soon_threadsafe(callback): queues it for the loop's thread and wakes the loop (through
  /// the eventfd) if it is blocked in epoll_wait(). Throws EventLoopError when the loop is closed.
  /// @threadsafety Safe from any thread, concurrently with everything but the loop's destruction.
  void call_soon_threadsafe(std::function<void()> callback);

  /// loop.add_reader(fd, callback): runs it (in a later iteration) each time `fd` is readable, or at
  /// end of file, or on an error, until remove_reader(). Replaces a reader already set for `fd`.
  /// Throws std::system_error when epoll refuses `fd` (EBADF: not open; EPERM: a regular file, which
  /// is always "ready" and cannot be watched).
  void add_reader(int fd, std::function<void()> callback);
  /// loop.remove_reader(fd): stops watching; true if a reader was set. A pending call is cancelled.
  bool remove_reader(int fd);
  /// loop.add_writer(fd, callback): as add_reader, for "writing would not block" (or an error).
  void add_writer(int fd, std::function<void()> callback);
  /// loop.remove_writer(fd).
  bool remove_writer(int fd);
  /// Whether add_reader / add_writer is in force for `fd`.
  [[nodiscard]] bool has_reader(int fd) const;
  [[nodiscard]] bool has_writer(int fd) const;

  /// loop.run_in_executor(None, work), split in two: `work` runs on one of the loop's worker threads
  /// (started on demand, at most max_workers; reused); then `done` runs on the loop's thread, with the
  /// exception `work` threw (null if none). Until then the call counts as "in flight" (see Time).
  void run_in_thread(std::function<void()> work, std::function<void(std::exception_ptr)> done);

  /// loop.run_forever(): runs iterations until stop(). Throws EventLoopError when this loop is
  /// already running, when another loop runs in this thread, or when it is closed; DeadlockError as
  /// described under Time; std::system_error if epoll_wait fails (EINTR is not a failure: the
  /// iteration goes on without events).
  void run_forever();
  /// loop.stop(): run_forever() returns after the current iteration. Called before run_forever(), it
  /// makes the next run_forever() do one iteration.
  void stop();
  /// loop.is_running(). @threadsafety Any thread.
  [[nodiscard]] bool is_running() const noexcept;
  /// loop.is_closed(). @threadsafety Any thread.
  [[nodiscard]] bool is_closed() const noexcept;
  /// loop.close(): see Lifetime. Throws EventLoopError if the loop is running; closing twice does
  /// nothing.
  void close();

  /// Python's default for to_thread's pool: min(32, CPUs this process may use + 4).
  [[nodiscard]] static std::size_t default_max_workers();

 private:
  friend class detail::TaskCore;  // the running task, and the set of pending tasks

  /// One armed timer. The heap is ordered by (when, sequence): sequence makes equal deadlines FIFO.
  struct Timer {
    Duration when;
    std::uint64_t sequence;
    std::shared_ptr<detail::Callback> callback;
  };
  /// What epoll watches one descriptor for.
  struct FdWatch {
    std::shared_ptr<detail::Callback> reader;
    std::shared_ptr<detail::Callback> writer;
  };

  /// One iteration (see the class comment).
  void run_once();
  /// epoll_wait() for at most `timeout_ms` (-1: for ever) and queue what became ready.
  void poll(int timeout_ms);
  /// The eventfd fired: move the calls other threads sent into the ready queue.
  void take_threadsafe_calls();
  /// Writes the eventfd. Called with incoming_mutex_ held.
  void wake_up_locked();
  /// add_reader/add_writer and remove_reader/remove_writer in one place each.
  void watch(int fd, bool writing, std::function<void()> callback);
  bool unwatch(int fd, bool writing);
  /// Throws EventLoopError naming `what` if the loop runs in another thread, or is closed.
  void check_thread(const char* what) const;
  void check_open(const char* what) const;
  /// A worker thread's life: take a job, run it, repeat; return when stopping and out of jobs.
  void worker_loop();
  /// close()'s work, also the destructor's.
  void shut_down() noexcept;

  std::unique_ptr<Clock> clock_;
  std::size_t max_workers_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;  // an eventfd: call_soon_threadsafe() writes it, epoll reports it readable

  // Loop thread only.
  std::deque<std::shared_ptr<detail::Callback>> ready_;
  std::vector<Timer> timers_;  // a heap: timers_.front() is the earliest
  std::uint64_t timer_sequence_ = 0;
  std::unordered_map<int, FdWatch> fds_;
  std::size_t threads_in_flight_ = 0;  // run_in_thread() calls whose `done` has not run yet
  bool stopping_ = false;
  detail::TaskCore* current_task_ = nullptr;      // the task whose step is running
  std::unordered_set<detail::TaskCore*> tasks_;  // scheduled, not finished

  std::atomic<std::thread::id> loop_thread_{};  // the thread inside run_forever(), or none
  std::atomic<bool> closed_{false};

  std::mutex incoming_mutex_;
  std::vector<std::function<void()>> incoming_;  // guarded by incoming_mutex_
  bool incoming_closed_ = false;                 // guarded by incoming_mutex_

  std::mutex pool_mutex_;
  std::condition_variable work_available_;
  std::deque<std::function<void()>> jobs_;  // guarded by pool_mutex_
  std::vector<std::thread> workers_;        // loop thread only (started under pool_mutex_; workers never touch it)
  std::size_t idle_workers_ = 0;            // guarded by pool_mutex_
  bool pool_stopping_ = false;              // guarded by pool_mutex_
};

/// asyncio.get_running_loop(): the loop running in this thread. Throws EventLoopError("no running
/// event loop") outside one.
[[nodiscard]] EventLoop& get_running_loop();

}  // namespace threadlings::lesson11
