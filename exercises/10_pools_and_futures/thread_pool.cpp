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

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson10 {

// TODO: sched_getaffinity(0, ...) into a cpu_set_t, return CPU_COUNT (at least 1); a failure
// throws std::system_error. Not std::thread::hardware_concurrency(): that ignores the affinity mask.
std::size_t process_cpu_count() {
  throw NotImplemented("process_cpu_count — see lesson 10");
}

// TODO: min(32, process_cpu_count() + 4).
std::size_t ThreadPoolExecutor::default_max_workers() {
  throw NotImplemented("ThreadPoolExecutor::default_max_workers — see lesson 10");
}

// TODO: max_workers_ = max_workers or default_max_workers(); 0 throws std::invalid_argument.
// Start no thread here: workers start in enqueue().
ThreadPoolExecutor::ThreadPoolExecutor(std::optional<std::size_t> max_workers) : max_workers_(max_workers.value_or(1)) {
  throw NotImplemented("ThreadPoolExecutor::ThreadPoolExecutor — see lesson 10");
}

// TODO: shutdown(true, false).
ThreadPoolExecutor::~ThreadPoolExecutor() {}

// TODO: threads_.size() under mutex_.
std::size_t ThreadPoolExecutor::thread_count() const {
  throw NotImplemented("ThreadPoolExecutor::thread_count — see lesson 10");
}

// TODO: under mutex_: shut down -> ExecutorShutdownError("cannot schedule new futures after
// shutdown"). Push the task (and store queue_.size() into queued_). If idle_ >= queue_.size(), a
// waiting worker will take it: unlock and notify_one. Otherwise, below max_workers_, start a thread
// running worker_loop().
void ThreadPoolExecutor::enqueue(std::shared_ptr<detail::FutureCore> task) {
  throw NotImplemented("ThreadPoolExecutor::enqueue — see lesson 10");
}

// TODO: loop: under mutex_, while the queue is empty and not shut down, count yourself in
// idle_ and wait on work_available_ (optional speed-up: before the wait, unlock and yield a few
// times while queued_ is 0). Empty after that means shut down: return. Else pop the front (update
// queued_), unlock, task->run().
void ThreadPoolExecutor::worker_loop() {
  throw NotImplemented("ThreadPoolExecutor::worker_loop — see lesson 10");
}

// TODO: under mutex_: wait and the caller is one of threads_ -> std::logic_error; set
// shutdown_; with cancel_futures swap queue_ into a local deque (queued_ = 0). Then notify_all,
// cancel() each swapped-out task (outside the lock: cancel runs callbacks), and with `wait` join every
// joinable thread holding join_mutex_.
void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  throw NotImplemented("ThreadPoolExecutor::shutdown — see lesson 10");
}

// TODO: one deadline for all (negative timeout: std::invalid_argument). For each future in
// order: rethrow_if_failed(remaining time). If anything throws, cancel() every future and rethrow.
void ThreadPoolExecutor::wait_in_order(const std::vector<detail::FutureCore*>& futures, Timeout timeout) {
  throw NotImplemented("ThreadPoolExecutor::wait_in_order — see lesson 10");
}

}  // namespace threadlings::lesson10
