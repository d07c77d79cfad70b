// Lesson 10, pools and futures: make Future, as_completed and wait pass the tests in tests/10_pools_and_futures/.
// Concept: concurrent.futures.Future: one shared state, a lock, a condition and callbacks (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace threadlings::lesson10 {

// TODO: nothing to write in this header: read the contracts, then fill in futures.cpp
// (an edit here rebuilds the tests; an edit of futures.cpp only relinks them).

/// A time limit: nothing (Python's timeout=None) waits for ever; a negative one throws
/// std::invalid_argument.
using Timeout = std::optional<std::chrono::nanoseconds>;

/// Python's `concurrent.futures.TimeoutError` (an alias of the built-in TimeoutError since 3.11):
/// result(), exception(), as_completed() gave up waiting.
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `concurrent.futures.CancelledError`: result() or exception() of a cancelled future.
class CancelledError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `concurrent.futures.InvalidStateError`: set_result()/set_exception() on a future that is
/// already done, or set_running_or_notify_cancel() on one that is not pending.
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {

class CompletionWaiter;

/// The part of every future that does not depend on its value type: the state machine
/// pending -> running -> finished (or pending -> cancelled), the task's exception, the done callbacks
/// and the waiters of as_completed()/wait(). One mutex guards it all; one condition variable wakes the
/// threads blocked in wait_done(). Written once in futures.cpp for every Future<T>.
///
/// @threadsafety Every member function is safe to call from any thread at any time; callbacks run
/// without the mutex held (a callback may call any member of its future).
class FutureCore {
 public:
  FutureCore() = default;
  virtual ~FutureCore() = default;
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;

  /// Future.cancel(): true if the future is cancelled now (it was pending, or already cancelled);
  /// false if it is running or finished. A successful cancel wakes waiters and runs the callbacks.
  bool cancel();
  /// Future.cancelled(), running(), done(): a snapshot of the state.
  [[nodiscard]] bool cancelled() const;
  [[nodiscard]] bool running() const;
  [[nodiscard]] bool done() const;
  /// Done, not cancelled, and finished with an exception.
  [[nodiscard]] bool failed() const;

  /// Future.set_running_or_notify_cancel(): pending -> running, returns true; cancelled -> returns
  /// false (the executor then skips the task). Throws InvalidStateError in any other state.
  bool set_running_or_notify_cancel();

  /// Completes the future: under the mutex, `store_value` (may be empty) is called to write the
  /// value and `error` (null for success) is recorded; then waiters wake and callbacks run in the
  /// calling thread. Throws InvalidStateError if the future is already done (store_value not called).
  void finish(const std::function<void()>& store_value, std::exception_ptr error);

  /// Blocks until done, at most `timeout`. Throws TimeoutError when the time runs out first.
  void wait_done(Timeout timeout) const;
  /// wait_done(timeout), then throws CancelledError if cancelled; returns the task's exception (null
  /// for success). What Future.exception() does.
  [[nodiscard]] std::exception_ptr exception(Timeout timeout) const;
  /// exception(timeout), and rethrows the task's exception if there is one. What Future.result() does
  /// before it reads the value.
  void rethrow_if_failed(Timeout timeout) const;

  /// Future.add_done_callback(): `callback` runs exactly once, when the future becomes done, in the
  /// thread that completes it; if it is done already, at once in the calling thread. An exception
  /// thrown by a callback is logged to stderr and swallowed, as Python logs it.
  void add_done_callback(std::function<void()> callback);

  /// For CompletionWaiter: registers `waiter` to be told (under this future's mutex) when the future
  /// becomes done. Returns false, and registers nothing, if it is done already.
  bool add_waiter(CompletionWaiter* waiter);
  /// Unregisters `waiter` (nothing happens if it was not registered or was told already).
  void remove_waiter(CompletionWaiter* waiter);

  /// What an executor's worker calls: set_running_or_notify_cancel(), then invoke(); an exception
  /// escaping invoke() completes the future with that exception. Does nothing if cancelled.
  void run();

 protected:
  /// Runs the task and completes the future with its value (overridden by the executor's tasks).
  /// The default throws std::logic_error: a bare future has no task to run.
  virtual void invoke();

 private:
  enum class Status { pending, running, cancelled, finished };

  /// Moves out the callbacks and tells the waiters, under the mutex (`lock` is held on entry and
  /// released on return), then wakes the blocked threads and runs the callbacks.
  void complete_locked(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;      // notified when the future becomes done
  Status status_ = Status::pending;               // guarded by mutex_
  std::exception_ptr error_;                     // guarded by mutex_; written once, before done
  std::vector<std::function<void()>> callbacks_; // guarded by mutex_; emptied when done
  std::vector<CompletionWaiter*> waiters_;       // guarded by mutex_; emptied when done
};

/// A future's core plus the value it ends with. The value is written under the core's mutex by
/// finish() and read only after the future is done, so reads need no lock.
template <typename T>
class FutureState : public FutureCore {
 public:
  using Stored = std::conditional_t<std::is_void_v<T>, bool, T>;
  std::optional<Stored> value;  // set once, by finish(), before done
};

/// Waits for futures to complete, in completion order: the engine of as_completed() and wait().
/// Futures already done when it is made come first, in their order in `futures`; duplicates count
/// once (the first occurrence). Registered with every pending future, unregistered by its destructor.
///
/// @threadsafety next() is called by one thread; notify() is called by completing futures from any
/// thread. The futures must outlive the waiter.
class CompletionWaiter {
 public:
  /// Starts watching `futures`; the time limit of next() counts from now.
  CompletionWaiter(const std::vector<FutureCore*>& futures, Timeout timeout);
  ~CompletionWaiter();
  CompletionWaiter(const CompletionWaiter&) = delete;
  CompletionWaiter& operator=(const CompletionWaiter&) = delete;

  /// The index (in `futures`) of the next future to complete, each exactly once; nothing when all
  /// have been returned. Blocks until one completes; throws TimeoutError when the time limit passes
  /// first.
  std::optional<std::size_t> next();

  /// Called by a future (under its mutex) when it becomes done.
  void notify(FutureCore* future);

 private:
  std::vector<FutureCore*> futures_;                    // as given (immutable)
  std::unordered_map<FutureCore*, std::size_t> index_;  // first index of each (immutable)
  std::vector<FutureCore*> registered_;                 // pending at construction (immutable)
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::size_t unique_ = 0;    // how many distinct futures (immutable)
  std::size_t returned_ = 0;  // touched by next() only

  std::mutex mutex_;
  std::condition_variable completed_cv_;
  std::vector<std::size_t> completed_;  // guarded by mutex_: indices done, not yet returned (FIFO)
  std::size_t completed_head_ = 0;      // guarded by mutex_
};

}  // namespace detail

/// Python's `concurrent.futures.Future`: the result of a call that runs somewhere else, later.
///
/// ```cpp
/// Future<int> f = pool.submit([](int x) { return x * x; }, 7);
/// f.add_done_callback([](const Future<int>& done) { std::cout << done.result() << '\n'; });
/// int v = f.result(std::chrono::seconds(1));   // 49, or TimeoutError, or the task's exception
/// ```
///
/// A Future is a handle: copies share one state (like a shared_ptr), and the state lives as long as
/// any copy does. A default-constructed Future is a fresh pending state; set_result(),
/// set_exception() and set_running_or_notify_cancel() are, as in Python, for executors and tests.
///
/// @threadsafety Every member function is safe to call from any thread, on the same Future object or
/// on copies. result() returns a reference into the shared state, valid as long as a copy lives.
/// set_result()/set_exception() complete the future once; a second completion throws
/// InvalidStateError.
template <typename T>
class Future {
 public:
  using value_type = T;
  /// What result() returns: a const reference to the value, or void.
  using result_type = std::conditional_t<std::is_void_v<T>, void, const typename detail::FutureState<T>::Stored&>;

  Future() : state_(std::make_shared<detail::FutureState<T>>()) {}
  explicit Future(std::shared_ptr<detail::FutureState<T>> state) : state_(std::move(state)) {}

  /// Python's cancel(): true if cancelled (it was still pending); false if running or done.
  bool cancel() { return state_->cancel(); }
  [[nodiscard]] bool cancelled() const { return state_->cancelled(); }
  [[nodiscard]] bool running() const { return state_->running(); }
  [[nodiscard]] bool done() const { return state_->done(); }

  /// Python's result(timeout): waits until done; returns the value, rethrows the task's exception,
  /// throws CancelledError if cancelled, TimeoutError if `timeout` passes first.
  result_type result(Timeout timeout = std::nullopt) const {
    state_->rethrow_if_failed(timeout);
    if constexpr (!std::is_void_v<T>) return *state_->value;
  }
  /// Python's exception(timeout): waits until done; the task's exception, or null if it succeeded.
  /// Throws CancelledError if cancelled, TimeoutError if `timeout` passes first.
  [[nodiscard]] std::exception_ptr exception(Timeout timeout = std::nullopt) const {
    return state_->exception(timeout);
  }
  /// Python's add_done_callback(fn): fn(future) runs exactly once when the future is done (at once,
  /// in this thread, if it is done already). Its exceptions are logged, not propagated.
  void add_done_callback(std::function<void(const Future&)> callback) {
    // A weak reference: a pending future's callback must not keep its own state alive for ever.
    state_->add_done_callback([weak = std::weak_ptr<detail::FutureState<T>>(state_), fn = std::move(callback)] {
      if (auto state = weak.lock()) fn(Future(std::move(state)));
    });
  }

  /// Python's set_running_or_notify_cancel() (for executors and tests).
  bool set_running_or_notify_cancel() { return state_->set_running_or_notify_cancel(); }
  /// Python's set_result(value) (for executors and tests). Throws InvalidStateError if done.
  template <typename... V>
  void set_result(V&&... value) {
    static_assert(sizeof...(V) == (std::is_void_v<T> ? 0 : 1), "set_result() takes one value, none for Future<void>");
    state_->finish([&] { state_->value.emplace(std::forward<V>(value)...); }, nullptr);
  }
  /// Python's set_exception(error) (for executors and tests). Throws InvalidStateError if done.
  void set_exception(std::exception_ptr error) { state_->finish({}, std::move(error)); }

  /// The type-erased core, for as_completed() and wait().
  [[nodiscard]] detail::FutureCore* core() const noexcept { return state_.get(); }
  /// Two handles of one state compare equal.
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.state_ == b.state_; }

 private:
  std::shared_ptr<detail::FutureState<T>> state_;
};

/// Python's `concurrent.futures.as_completed(fs, timeout)`: the futures in the order they complete
/// (those done already first), each exactly once, even if listed twice. Iterating throws TimeoutError
/// if the futures are not all done `timeout` after as_completed() was called.
///
/// ```cpp
/// for (const Future<int>& f : as_completed(futures, std::chrono::seconds(5))) use(f.result());
/// ```
///
/// @threadsafety Iterate it from one thread; the futures may complete in any thread meanwhile.
template <typename T>
class AsCompleted {
 public:
  AsCompleted(std::vector<Future<T>> futures, Timeout timeout)
      : futures_(std::move(futures)), waiter_(cores(futures_), timeout) {}

  /// The next future to complete; nothing when all have been returned. Throws TimeoutError.
  std::optional<Future<T>> next() {
    const std::optional<std::size_t> index = waiter_.next();
    if (!index) return std::nullopt;
    return futures_[*index];
  }

  /// An input iterator over next()'s futures.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Future<T>*;
    using reference = const Future<T>&;
    iterator() = default;
    explicit iterator(AsCompleted* owner) : owner_(owner), current_(owner->next()) {}
    reference operator*() const { return *current_; }
    pointer operator->() const { return &*current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    AsCompleted* owner_ = nullptr;
    std::optional<Future<T>> current_;
  };
  /// Starts iterating: blocks for the first future.
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  static std::vector<detail::FutureCore*> cores(const std::vector<Future<T>>& futures) {
    std::vector<detail::FutureCore*> result;
    result.reserve(futures.size());
    for (const Future<T>& f : futures) result.push_back(f.core());
    return result;
  }
  std::vector<Future<T>> futures_;  // keeps the states alive while waiter_ watches them
  detail::CompletionWaiter waiter_;
};

/// as_completed(futures, timeout): see AsCompleted.
template <typename T>
AsCompleted<T> as_completed(std::vector<Future<T>> futures, Timeout timeout = std::nullopt) {
  return AsCompleted<T>(std::move(futures), timeout);
}

/// Python's `return_when` constants of concurrent.futures.wait().
enum class ReturnWhen {
  first_completed,  ///< FIRST_COMPLETED: return when any future is done or cancelled
  first_exception,  ///< FIRST_EXCEPTION: when any finishes with an exception, else when all are done
  all_completed,    ///< ALL_COMPLETED: when all are done
};
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::first_completed;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::first_exception;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::all_completed;

/// What wait() returns: Python's named tuple of two sets, as two lists in input order, without
/// duplicates.
template <typename T>
struct DoneAndNotDone {
  std::vector<Future<T>> done;
  std::vector<Future<T>> not_done;
};

namespace detail {
/// wait()'s engine: blocks as `return_when` says, at most `timeout` (never throws TimeoutError), then
/// returns, for each entry of `futures`, whether it is done.
std::vector<bool> wait_for(const std::vector<FutureCore*>& futures, Timeout timeout, ReturnWhen return_when);
}  // namespace detail

/// Python's `concurrent.futures.wait(fs, timeout, return_when)`. Blocks until the condition holds or
/// `timeout` passes (then it returns what is done so far: no exception, as in Python).
/// @threadsafety Safe from any thread.
template <typename T>
DoneAndNotDone<T> wait(const std::vector<Future<T>>& futures, Timeout timeout = std::nullopt,
                       ReturnWhen return_when = ALL_COMPLETED) {
  std::vector<detail::FutureCore*> cores;
  cores.reserve(futures.size());
  for (const Future<T>& f : futures) cores.push_back(f.core());
  const std::vector<bool> is_done = detail::wait_for(cores, timeout, return_when);
  DoneAndNotDone<T> result;
  std::vector<detail::FutureCore*> seen;
  for (std::size_t i = 0; i < futures.size(); ++i) {
    if (std::find(seen.begin(), seen.end(), cores[i]) != seen.end()) continue;
    seen.push_back(cores[i]);
    (is_done[i] ? result.done : result.not_done).push_back(futures[i]);
  }
  return result;
}

}  // namespace threadlings::lesson10
