// Lesson 10, pools and futures: make ThreadPoolExecutor pass the tests in tests/10_pools_and_futures/.
// Concept: concurrent.futures.ThreadPoolExecutor: a work queue, lazily started workers, shutdown (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "futures.hpp"

namespace threadlings::lesson10 {

// TODO: nothing to write in this header: read the contracts, then fill in thread_pool.cpp
// (an edit here rebuilds the tests; an edit of thread_pool.cpp only relinks them).

/// Python's `RuntimeError('cannot schedule new futures after shutdown')`: submit() or map() on an
/// executor that was shut down.
class ExecutorShutdownError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python 3.13's `os.process_cpu_count()`: the CPUs this process may run on (its affinity mask, from
/// sched_getaffinity), which can be fewer than the machine has (taskset, cgroups' cpusets).
[[nodiscard]] std::size_t process_cpu_count();

namespace detail {

/// A submitted call and its future in one allocation: invoke() calls fn(args...) and completes the
/// future with the value (FutureCore::run() catches what it throws).
template <typename R, typename F, typename... Args>
class Task final : public FutureState<R> {
 public:
  template <typename G, typename... A>
  explicit Task(G&& fn, A&&... args) : fn_(std::forward<G>(fn)), args_(std::forward<A>(args)...) {}

 private:
  void invoke() override {
    if constexpr (std::is_void_v<R>) {
      std::apply(fn_, args_);
      this->finish([this] { this->value.emplace(true); }, nullptr);
    } else {
      R result = std::apply(fn_, args_);
      this->finish([this, &result] { this->value.emplace(std::move(result)); }, nullptr);
    }
  }
  F fn_;
  std::tuple<Args...> args_;
};

}  // namespace detail

/// Python's `concurrent.futures.ThreadPoolExecutor`: runs submitted calls on up to max_workers()
/// threads, started one by one as work arrives (only when no started worker is idle), each taking the
/// oldest queued call.
///
/// ```cpp
/// ThreadPoolExecutor pool(4);                       // ThreadPoolExecutor(max_workers=4)
/// Future<int> f = pool.submit(std::plus<>{}, 2, 3); // pool.submit(operator.add, 2, 3)
/// std::vector<int> squares = pool.map([](int x) { return x * x; }, std::vector{1, 2, 3});
/// pool.shutdown();                                  // also what the destructor does
/// ```
///
/// Pitfall: a task that waits for another task's future can wait for ever when every worker is busy
/// with such waiting tasks (with one worker, always): the inner task sits in the queue behind the
/// outer one. Give the pool more workers than waiting tasks, or do not wait inside a task.
///
/// @threadsafety submit(), map() and shutdown() are safe from any thread, including from tasks running
/// on this pool (except shutdown(wait=true), which would wait for itself: it throws std::logic_error).
/// The destructor must not overlap other calls; it is shutdown(wait=true).
class ThreadPoolExecutor {
 public:
  /// Python's default: min(32, process_cpu_count() + 4).
  [[nodiscard]] static std::size_t default_max_workers();

  /// Python's ThreadPoolExecutor(max_workers): nothing means default_max_workers(). Starts no thread
  /// yet. Throws std::invalid_argument for 0 ("max_workers must be greater than 0").
  explicit ThreadPoolExecutor(std::optional<std::size_t> max_workers = std::nullopt);
  /// shutdown(wait=true): runs every queued call, then joins the workers.
  ~ThreadPoolExecutor();
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  [[nodiscard]] std::size_t max_workers() const noexcept { return max_workers_; }
  /// How many worker threads have been started so far (Python's len(executor._threads)).
  [[nodiscard]] std::size_t thread_count() const;

  /// Python's submit(fn, *args): queues fn(args...) (both copied or moved into the task) and returns
  /// its future at once. Throws ExecutorShutdownError after shutdown().
  template <typename F, typename... Args>
  auto submit(F&& fn, Args&&... args) -> Future<std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>> {
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
    auto task = std::make_shared<detail::Task<R, std::decay_t<F>, std::decay_t<Args>...>>(
        std::forward<F>(fn), std::forward<Args>(args)...);
    enqueue(task);
    return Future<R>(std::move(task));
  }

  /// Python's map(fn, items, timeout): submits fn(item) for every item, then returns the results in
  /// the order of `items` (not the order they finish). If a call threw, that exception (the first in
  /// input order) is rethrown; if `timeout` passes first, TimeoutError. In both cases the calls not
  /// started yet are cancelled. Throws ExecutorShutdownError after shutdown().
  template <typename F, typename T>
  auto map(F fn, const std::vector<T>& items, Timeout timeout = std::nullopt)
      -> std::vector<std::invoke_result_t<F&, const T&>> {
    using R = std::invoke_result_t<F&, const T&>;
    static_assert(!std::is_void_v<R>, "map() collects values: the function must return one");
    std::vector<Future<R>> futures;
    futures.reserve(items.size());
    for (const T& item : items) futures.push_back(submit(fn, item));
    std::vector<detail::FutureCore*> cores;
    cores.reserve(futures.size());
    for (const Future<R>& f : futures) cores.push_back(f.core());
    wait_in_order(cores, timeout);  // throws (and cancels the rest) on an error or timeout
    std::vector<R> results;
    results.reserve(futures.size());
    for (const Future<R>& f : futures) results.push_back(f.result());
    return results;
  }

  /// Python's shutdown(wait, cancel_futures): refuses new work from now on; with `cancel_futures`,
  /// cancels the calls still queued; with `wait`, blocks until the queued calls ran and every worker
  /// ended. May be called more than once. Throws std::logic_error for wait=true from one of this
  /// pool's own tasks.
  void shutdown(bool wait = true, bool cancel_futures = false);

 private:
  /// Queues a task and starts a worker if none is idle and max_workers allows one.
  /// Throws ExecutorShutdownError after shutdown().
  void enqueue(std::shared_ptr<detail::FutureCore> task);
  /// map()'s waiting: each future in input order; on an exception or timeout, cancels every future
  /// and rethrows.
  static void wait_in_order(const std::vector<detail::FutureCore*>& futures, Timeout timeout);
  /// A worker's life: take the oldest task, run it; end when shut down and the queue is empty.
  void worker_loop();

  const std::size_t max_workers_;
  mutable std::mutex mutex_;
  std::condition_variable work_available_;               // a task was queued, or shutdown
  std::deque<std::shared_ptr<detail::FutureCore>> queue_;  // guarded by mutex_
  std::vector<std::thread> threads_;                     // guarded by mutex_
  std::size_t idle_ = 0;                                 // guarded by mutex_: workers waiting for work
  std::atomic<std::size_t> queued_{0};  // queue_.size() as a hint for spinning workers (read without mutex_)
  bool shutdown_ = false;                                // guarded by mutex_
  std::mutex join_mutex_;  // held by shutdown(wait=true) while it joins (threads_ no longer changes then)
};

}  // namespace threadlings::lesson10
