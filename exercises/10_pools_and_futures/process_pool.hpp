// Lesson 10, pools and futures: make the process Pool pass the tests in tests/10_pools_and_futures/.
// Concept: multiprocessing.Pool.map: forked workers, chunks, frames over pipes, a broken pool (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/types.h>

#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson10 {

// TODO: nothing to write in this header: read the contracts, then fill in process_pool.cpp
// (an edit here rebuilds the tests; an edit of process_pool.cpp only relinks them).

/// Python's `concurrent.futures.process.BrokenProcessPool`: a worker process died while the pool was
/// using it (killed by a signal, or it called _exit). The message names the worker's pid and how it
/// ended. The pool is unusable from then on: every later map() throws it again.
class BrokenProcessPool : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The mapped function threw in a worker: the message is the worker's what(). (Python re-raises the
/// worker's exception itself; C++ exceptions do not cross processes, so only their text does.)
class RemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `multiprocessing.Pool` (start method fork) reduced to map(): `processes` worker
/// processes are forked by the constructor and each runs a loop "read a chunk of items from my task
/// pipe, call the function on each, write the results to my result pipe" until its task pipe ends.
///
/// ```cpp
/// long square(const long& x) { return x * x; }
/// Pool pool(4);                                              // multiprocessing.Pool(4)
/// std::vector<long> r = pool.map(square, std::vector<long>{1, 2, 3});   // {1, 4, 9}, in input order
/// ```
///
/// What crosses the process boundary is **bytes**: the items and the results must be trivially
/// copyable (numbers, plain structs of numbers; never a pointer or a std::string), and the function
/// must be a plain function pointer, meaningful in the workers because fork() copies the address space.
/// (Python pickles items and results instead; the idea is the same.) Each message on a pipe is a
/// frame: an 8-byte length, then that many bytes.
///
/// A worker that dies while the pool waits for it (a crash, SIGKILL, _exit) is noticed at once through
/// its pidfd: map() throws BrokenProcessPool naming it, after killing and reaping every other worker.
/// The pool never leaves a zombie: the destructor ends the workers (their task pipes close, they exit)
/// and reaps them. Each worker holds only its own two pipe ends (the others' are closed in it, and
/// every descriptor is close-on-exec).
///
/// The workers are forked: the mapped function runs in a copy of the parent taken at construction, so
/// it must not rely on threads or locks of the parent (a fork copies only the calling thread).
///
/// @threadsafety map() is safe from any thread; calls are serialized (one map at a time). The
/// destructor must not overlap other calls.
class Pool {
 public:
  /// CPython's Pool.map rule when no chunksize is given: chunksize, extra = divmod(items, 4 * workers);
  /// if extra: chunksize += 1. Zero items give 0.
  [[nodiscard]] static std::size_t default_chunksize(std::size_t items, std::size_t workers);

  /// Python's Pool(processes): nothing means the CPUs this process may use (process_cpu_count()).
  /// Forks the workers now. Throws std::invalid_argument for 0 ("Number of processes must be at least
  /// 1"), std::system_error when a pipe or fork fails (the workers made so far are reaped).
  explicit Pool(std::optional<std::size_t> processes = std::nullopt);
  /// Closes the task pipes, so the workers exit, and reaps them all.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  [[nodiscard]] std::size_t processes() const noexcept { return pids_.size(); }
  /// The workers' process ids (all of them, also after they were reaped).
  [[nodiscard]] const std::vector<pid_t>& worker_pids() const noexcept { return pids_; }

  /// Python's Pool.map(fn, items, chunksize): the items are cut into chunks of `chunksize` (default:
  /// default_chunksize()), each chunk goes to an idle worker, and the results come back in the order
  /// of `items`. Throws BrokenProcessPool if a worker dies (now or before), RemoteError if fn threw,
  /// std::invalid_argument for chunksize 0.
  template <typename T, typename R>
  std::vector<R> map(R (*fn)(const T&), const std::vector<T>& items, std::optional<std::size_t> chunksize = std::nullopt) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_copyable_v<R>,
                  "Pool::map copies items and results as bytes: they must be trivially copyable");
    static_assert(std::is_default_constructible_v<R>, "Pool::map needs a default-constructible result type");
    std::vector<R> results(items.size());
    map_bytes(&call_chunk<T, R>, reinterpret_cast<void (*)()>(fn),
              std::as_bytes(std::span(items)), sizeof(T), std::as_writable_bytes(std::span(results)), sizeof(R),
              chunksize);
    return results;
  }

  /// What runs in a worker for one chunk: `count` items of `in` -> `count` results into `out`.
  using ChunkFunction = void (*)(void (*fn)(), const std::byte* in, std::byte* out, std::size_t count);

 private:
  template <typename T, typename R>
  static void call_chunk(void (*fn)(), const std::byte* in, std::byte* out, std::size_t count) {
    const auto typed = reinterpret_cast<R (*)(const T&)>(fn);
    for (std::size_t i = 0; i < count; ++i) {
      T item;
      std::memcpy(&item, in + i * sizeof(T), sizeof(T));
      const R result = typed(item);
      std::memcpy(out + i * sizeof(R), &result, sizeof(R));
    }
  }

  /// map()'s engine, in process_pool.cpp: items and results as bytes, `item_size`/`result_size` each.
  void map_bytes(ChunkFunction chunk_function, void (*fn)(), std::span<const std::byte> items, std::size_t item_size,
                 std::span<std::byte> results, std::size_t result_size, std::optional<std::size_t> chunksize);
  /// Kills (SIGKILL) and reaps every worker still there, and closes their pipes.
  void terminate_and_reap() noexcept;

  struct Worker {
    pid_t pid = -1;
    UniqueFd tasks;    // write end of the worker's task pipe
    UniqueFd results;  // read end of the worker's result pipe
    UniqueFd pidfd;    // readable when the worker has ended
    bool reaped = false;
  };

  std::mutex mutex_;             // held for a whole map(): one at a time
  std::vector<Worker> workers_;  // guarded by mutex_
  std::vector<pid_t> pids_;      // immutable after construction
  std::string broken_;           // guarded by mutex_: why the pool is broken (empty: it is not)
};

}  // namespace threadlings::lesson10
