// Lesson 12, choosing a model: make run_in_threads, run_in_processes and parallel_count_primes pass the tests in tests/12_choosing_a_model/.
// Concept: one CPU-bound job on threads and on processes, with the same results (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "work_shares.hpp"

namespace threadlings::lesson12 {

/// What worker number `worker` computes: one 64-bit number (a count, a sum, a pid: whatever fits).
using Job = std::function<std::uint64_t(unsigned worker)>;

/// A worker process did not deliver its result: its job threw, it was killed by a signal, or it exited
/// before writing the result. what() names the worker and says which of the three happened (for a
/// job that threw, with the exception's what(): C++ exceptions do not cross processes, their text does).
class WorkerFailed : public std::runtime_error {
 public:
  WorkerFailed(unsigned worker, const std::string& what);
  /// The number of the worker that failed.
  [[nodiscard]] unsigned worker() const noexcept { return worker_; }

 private:
  unsigned worker_;
};

/// Runs job(0), job(1), ..., job(workers - 1) at the same time, each on a thread of its own, and
/// returns their results in worker order. Python: `ThreadPoolExecutor(workers).map(job, range(workers))`.
///
/// Blocks: until every thread has ended; every thread is joined before this returns or throws.
/// Throws: std::invalid_argument when workers == 0 or job is empty (before starting anything). When
/// jobs throw, the exception of the lowest-numbered worker that threw is rethrown as it is (same type,
/// same object), after all threads are joined. std::system_error when a thread cannot be started (the
/// threads started before it are joined first).
/// @threadsafety Safe to call from any thread; the job is called from `workers` threads at once, so it
/// must be safe for that.
[[nodiscard]] std::vector<std::uint64_t> run_in_threads(unsigned workers, const Job& job);

/// Runs job(0), ..., job(workers - 1) at the same time, each in a child process of its own made by
/// fork(), and returns their results in worker order. Each child sends its result back on a pipe of its
/// own and ends with _exit(); the parent reads every pipe and reaps every child.
/// Python: `multiprocessing.Pool(workers).map(job, range(workers))` with the fork start method.
///
/// Blocks: until every child has ended. Every child is reaped and every pipe closed before this
/// returns or throws, also when a worker fails.
/// Throws: std::invalid_argument when workers == 0 or job is empty (before forking). WorkerFailed for
/// the lowest-numbered worker that failed (a job that threw, a child killed by a signal or one that
/// exited without a result). std::system_error when a pipe or a fork fails (the children forked
/// before it are killed and reaped first).
///
/// The job runs in a copy of the caller made by fork(): only the calling thread exists in it. It must
/// not wait for other threads of the parent or for locks they might have held at the fork.
/// @threadsafety Safe to call from any thread; each call forks its own children.
[[nodiscard]] std::vector<std::uint64_t> run_in_processes(unsigned workers, const Job& job);

/// Where parallel_count_primes() runs its workers.
enum class Model {
  kThreads,    ///< run_in_threads()
  kProcesses,  ///< run_in_processes()
};

/// How many primes there are in 0, 1, ..., limit, counted by `workers` workers in `model`: worker w
/// counts the blocks of work_share(limit, w, workers, block_size), and the counts are added up.
/// The result is count_primes_up_to(limit), whatever the model and the number of workers.
/// Throws what work_share(), run_in_threads() and run_in_processes() throw.
/// @threadsafety Safe to call from any thread.
[[nodiscard]] std::uint64_t parallel_count_primes(std::uint64_t limit, unsigned workers, Model model,
                                                  std::uint64_t block_size = kDefaultBlockSize);

}  // namespace threadlings::lesson12
