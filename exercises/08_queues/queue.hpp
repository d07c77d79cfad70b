// Lesson 08, queues: make Queue, LifoQueue and PriorityQueue pass the tests in tests/08_queues/.
// Concept: queue.Queue: a lock, three conditions, a bound, task_done/join and shutdown (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace threadlings::lesson08 {

// TODO: nothing to write in this header: read the contracts, then fill in queue.cpp
// (an edit here rebuilds the tests; an edit of queue.cpp only relinks them).

/// Python's `queue.Full`: put() without blocking, or with a timeout that ran out, found no room.
class Full : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `queue.Empty`: get() without blocking, or with a timeout that ran out, found no item.
class Empty : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python 3.13's `queue.ShutDown`: put() on a queue that was shut down, or get() on one that was shut
/// down and has no item left (all of them, at once, after shutdown(true)).
class ShutDown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `ValueError('task_done() called too many times')`: more task_done() calls than items put.
class TaskDoneError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// The order in which get() hands out items: the only difference between Queue, LifoQueue and
/// PriorityQueue, as `_get` is the only difference between Python's three classes.
enum class Order {
  fifo,      ///< first in, first out (`queue.Queue`)
  lifo,      ///< last in, first out (`queue.LifoQueue`)
  priority,  ///< smallest first by `<`; equal ones first in, first out (`queue.PriorityQueue`)
};

/// A time limit for put() and get(): nothing (Python's timeout=None) waits for ever.
using Timeout = std::optional<std::chrono::nanoseconds>;

/// Python's `queue.Queue` (and, by `order`, `LifoQueue` and `PriorityQueue`): a queue for threads of
/// one process, optionally bounded, with Python's blocking rules and errors.
///
/// ```cpp
/// Queue<int> jobs(10);            // Queue(maxsize=10); 0 or less means no bound
/// jobs.put(42);                   // blocks while 10 items wait
/// int job = jobs.get();           // blocks until there is an item
/// jobs.task_done();               // ... and join() returns once every put item was marked done
/// ```
///
/// - put(item, block, timeout) / get(block, timeout) mirror Python: block=false never waits (throws
///   Full/Empty at once); a timeout waits at most that long, then throws Full/Empty; a negative
///   timeout throws std::invalid_argument. A wait ends only when the condition holds or the time is
///   up: a wake-up that finds the queue still empty (full) waits again for the rest of the time.
/// - task_done()/join(): every put() adds one unfinished task; task_done() takes one away (more calls
///   than puts throw TaskDoneError); join() blocks until none is left.
/// - shutdown(immediate) as in Python 3.13: from then on put() throws ShutDown; get() hands out the
///   items that are left and throws ShutDown once there are none. shutdown(true) discards the items
///   (each counts as done) and so wakes every waiter: blocked get()s and put()s throw ShutDown, and
///   join() returns once the items taken before were marked done.
/// - qsize(), empty(), full() are exact at the moment they read, and may be stale a moment later
///   (as in Python: "if empty() returns false it doesn't guarantee that a subsequent get() will not block").
///
/// The member functions are defined in queue.cpp with explicit instantiations for the types the
/// tests and demo use (int, std::string, std::unique_ptr<int>, std::pair<int, std::string>,
/// Prioritized<std::string>). For
/// another type, add a line there. T needs only to be movable; PriorityQueue also needs `<`.
///
/// @threadsafety Every member function may be called from any thread at the same time; one mutex
/// guards the state. The destructor must not overlap any call (join the threads that use the queue
/// first).
template <typename T, Order order = Order::fifo>
class BasicQueue {
 public:
  /// `Queue(maxsize)`: at most `maxsize` items wait at a time; 0 or less means no bound.
  explicit BasicQueue(long maxsize = 0);
  ~BasicQueue();
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  /// `put(item, block=True, timeout=None)`: adds `item` and wakes a waiting get().
  /// Blocks: while the queue is full (only with a bound, only when `block`), at most `timeout`.
  /// Throws Full (no room in time, or at once when !block), ShutDown (shut down before or while
  /// waiting; the item is not added), std::invalid_argument (negative timeout).
  void put(T item, bool block = true, Timeout timeout = std::nullopt);
  /// `put_nowait(item)`: put(item, false).
  void put_nowait(T item) { put(std::move(item), false); }

  /// `get(block=True, timeout=None)`: removes and returns the next item (see Order).
  /// Blocks: while the queue is empty (only when `block`), at most `timeout`.
  /// Throws Empty (nothing in time, or at once when !block), ShutDown (shut down and nothing left),
  /// std::invalid_argument (negative timeout).
  [[nodiscard]] T get(bool block = true, Timeout timeout = std::nullopt);
  /// `get_nowait()`: get(false).
  [[nodiscard]] T get_nowait() { return get(false); }

  /// `task_done()`: one item taken with get() is fully processed. When none is left unfinished, every
  /// join() returns. Throws TaskDoneError when called more times than items were put.
  void task_done();
  /// `join()`: blocks until every item ever put has been marked with task_done() (or discarded by
  /// shutdown(true)). Returns at once when there is none.
  void join();

  /// `shutdown(immediate=False)`: see the class comment. Calling it again is harmless (a later
  /// shutdown(true) still discards what is left).
  void shutdown(bool immediate = false);

  /// `qsize()`: how many items wait right now.
  [[nodiscard]] std::size_t qsize() const;
  /// `empty()`: qsize() == 0.
  [[nodiscard]] bool empty() const;
  /// `full()`: bounded and qsize() == maxsize (never true without a bound).
  [[nodiscard]] bool full() const;
  /// `maxsize`: the bound given to the constructor (0 or less: none).
  [[nodiscard]] long maxsize() const noexcept { return maxsize_; }

 private:
  /// One waiting item; `sequence` counts puts, so that PriorityQueue breaks ties first in, first out.
  struct Entry {
    T value;
    std::uint64_t sequence;
  };

  // Python's _put/_get/_qsize: the storage, the only part that differs by `order`. Caller holds mutex_.
  void store(T&& item);
  [[nodiscard]] T take();
  // Whether a put() must wait: bounded and at the bound. Caller holds mutex_.
  [[nodiscard]] bool at_bound() const;

  mutable std::mutex mutex_;
  std::condition_variable not_empty_;       // get() waits here for an item (or a shutdown)
  std::condition_variable not_full_;        // put() waits here for room (or a shutdown)
  std::condition_variable all_tasks_done_;  // join() waits here for unfinished_tasks_ == 0
  std::deque<Entry> items_;                 // guarded by mutex_; a heap for Order::priority
  const long maxsize_;
  std::size_t unfinished_tasks_ = 0;    // guarded by mutex_: puts minus task_done()s
  std::uint64_t next_sequence_ = 0;     // guarded by mutex_
  std::size_t waiting_getters_ = 0;     // guarded by mutex_: get()s blocked on not_empty_
  std::size_t waiting_putters_ = 0;     // guarded by mutex_: put()s blocked on not_full_
  bool is_shutdown_ = false;            // guarded by mutex_
};

/// Python's `PrioritizedItem` recipe (a dataclass with `field(compare=False)`): an item ordered by its
/// priority only, so that items of equal priority compare equal whatever their data.
template <typename Data>
struct Prioritized {
  int priority = 0;
  Data item{};
  friend bool operator<(const Prioritized& a, const Prioritized& b) { return a.priority < b.priority; }
};

/// `queue.Queue`: first in, first out.
template <typename T>
using Queue = BasicQueue<T, Order::fifo>;
/// `queue.LifoQueue`: last in, first out (a stack).
template <typename T>
using LifoQueue = BasicQueue<T, Order::lifo>;
/// `queue.PriorityQueue`: the smallest item first (Python's `(priority, data)` tuples are
/// std::pair<int, Data> here); items that compare equal come out in the order they were put.
template <typename T>
using PriorityQueue = BasicQueue<T, Order::priority>;

}  // namespace threadlings::lesson08
