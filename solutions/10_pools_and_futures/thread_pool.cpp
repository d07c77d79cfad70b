// Lesson 10, pools and futures: make ThreadPoolExecutor pass the tests in tests/10_pools_and_futures/.
// Concept: concurrent.futures.ThreadPoolExecutor: a work queue, lazily started workers, shutdown (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#include "thread_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <sched.h>

namespace threadlings::lesson10 {

namespace {
constexpr int kSpinsBeforeSleep = 64;  // measured in the demo: enough to bridge a submitter's gaps
}  // namespace

// The affinity mask, not the machine's CPU count: `taskset -c 0 ./prog` must see one CPU.
std::size_t process_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
  return static_cast<std::size_t>(std::max(1, CPU_COUNT(&set)));
}

std::size_t ThreadPoolExecutor::default_max_workers() { return std::min<std::size_t>(32, process_cpu_count() + 4); }

ThreadPoolExecutor::ThreadPoolExecutor(std::optional<std::size_t> max_workers)
    : max_workers_(max_workers.value_or(default_max_workers())) {
  if (max_workers_ == 0) throw std::invalid_argument("max_workers must be greater than 0");
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(true, false); }

std::size_t ThreadPoolExecutor::thread_count() const {
  const std::lock_guard lock(mutex_);
  return threads_.size();
}

// One lock per submit, and a notify only when a worker sleeps: a busy pool pays no futex call.
void ThreadPoolExecutor::enqueue(std::shared_ptr<detail::FutureCore> task) {
  std::unique_lock lock(mutex_);
  if (shutdown_) throw ExecutorShutdownError("cannot schedule new futures after shutdown");
  queue_.push_back(std::move(task));
  queued_.store(queue_.size(), std::memory_order_relaxed);
  if (idle_ >= queue_.size()) {  // a sleeping worker will take it
    lock.unlock();
    work_available_.notify_one();
    return;
  }
  if (threads_.size() < max_workers_) threads_.emplace_back([this] { worker_loop(); });  // none idle: start one
}

void ThreadPoolExecutor::worker_loop() {
  for (;;) {
    std::shared_ptr<detail::FutureCore> task;
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && !shutdown_) {
        ++idle_;
        // Before sleeping, yield a few times watching the queue: a busy submitter then hands work to
        // awake workers, and never pays a futex wake-up per call (trivial tasks run 2-3 times faster).
        lock.unlock();
        for (int spin = 0; spin < kSpinsBeforeSleep && queued_.load(std::memory_order_relaxed) == 0; ++spin) {
          std::this_thread::yield();
        }
        lock.lock();
        while (queue_.empty() && !shutdown_) work_available_.wait(lock);
        --idle_;
      }
      if (queue_.empty()) return;  // shut down and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_relaxed);
    }
    task->run();  // never throws: the task's exception goes into its future
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::deque<std::shared_ptr<detail::FutureCore>> cancelled;
  {
    const std::lock_guard lock(mutex_);
    if (wait) {
      for (const std::thread& thread : threads_) {
        if (thread.get_id() == std::this_thread::get_id()) {
          throw std::logic_error("shutdown(wait=true) from one of the pool's own tasks would wait for itself");
        }
      }
    }
    shutdown_ = true;
    if (cancel_futures) {
      cancelled.swap(queue_);  // Python 3.9's cancel_futures: drop what has not started
      queued_.store(0, std::memory_order_relaxed);
    }
  }
  work_available_.notify_all();
  for (const auto& task : cancelled) task->cancel();  // outside the lock: cancel() runs callbacks
  if (!wait) return;
  // After shutdown_ no thread is added, so threads_ can be read without mutex_; join_mutex_ keeps two
  // waiting callers from joining one thread twice.
  const std::lock_guard join_lock(join_mutex_);
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ThreadPoolExecutor::wait_in_order(const std::vector<detail::FutureCore*>& futures, Timeout timeout) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (timeout) {
    if (*timeout < std::chrono::nanoseconds::zero()) throw std::invalid_argument("timeout must be non-negative");
    deadline = std::chrono::steady_clock::now() + *timeout;
  }
  try {
    for (detail::FutureCore* future : futures) {  // input order: the caller reads results in that order
      Timeout remaining;
      if (deadline) remaining = std::max(std::chrono::nanoseconds::zero(), *deadline - std::chrono::steady_clock::now());
      future->rethrow_if_failed(remaining);
    }
  } catch (...) {
    for (detail::FutureCore* future : futures) future->cancel();  // Python's map cancels what did not start
    throw;
  }
}

}  // namespace threadlings::lesson10
