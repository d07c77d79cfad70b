// Lesson 11, async/await: make the async Queue pass the tests in tests/11_async_await/.
// Concept: asyncio.Queue: put and get that suspend the task instead of blocking the thread (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#pragma once

#include <cstddef>
#include <deque>
#include <stdexcept>
#include <utility>

#include "task.hpp"

namespace threadlings::lesson11 {

/// Python's asyncio.QueueEmpty: get_nowait() on an empty queue.
class QueueEmpty : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's asyncio.QueueFull: put_nowait() on a full queue.
class QueueFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// The waiting half of an asyncio.Queue, written once (in queue.cpp) for every item type: how many
/// items there are, and the tasks waiting for an item (getters) or for room (putters), each in arrival
/// order.
///
/// @threadsafety Loop thread only, like every asyncio object. The queue must outlive the tasks that wait
/// on it.
class QueueCore {
 public:
  /// maxsize 0 means unbounded (Python's default).
  explicit QueueCore(std::size_t maxsize) noexcept : maxsize_(maxsize) {}
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  /// The await point of a getter (waiting for an item) or a putter (waiting for room): it joins the
  /// queue's line of getters or putters, and leaves it when woken or cancelled.
  ///
  /// @threadsafety Loop thread only, like every Waiter.
  class Wait final : public Waiter {
   public:
    Wait(QueueCore& queue, bool for_item) noexcept : queue_(&queue), for_item_(for_item) {}
    /// A wait that was woken but never resumed (its task was destroyed in between) hands the wake-up on,
    /// as a cancelled one does (see await_resume).
    ~Wait() override;
    /// Waiter's await_resume. A wait that was woken (an item, or room, was there for it) and then
    /// cancelled before its task ran hands the wake-up to the next in line before it throws
    /// CancelledError; otherwise that item would sit in the queue while the next getter sleeps.
    void await_resume();

   private:
    void start() override;
    void stop() noexcept override;
    /// Woken for an item (room) that is still there: wake the next in line instead.
    void pass_on() noexcept;
    QueueCore* queue_;
    bool for_item_;
    bool resumed_ = false;  // await_resume() ran: the wake-up was used (or passed on)
  };

  /// co_await item_available(): suspends until an item may be there (check again: another task may
  /// have taken it first).
  [[nodiscard]] Wait item_available() noexcept { return Wait(*this, true); }
  /// co_await room_available(): the same, for room in a full queue.
  [[nodiscard]] Wait room_available() noexcept { return Wait(*this, false); }

  /// One item was added: counts it and wakes the getter that has waited longest, if any.
  void added();
  /// One item was removed: counts it and wakes the putter that has waited longest, if any.
  void removed();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
  [[nodiscard]] bool empty() const;
  /// Never true for an unbounded queue.
  [[nodiscard]] bool full() const;

 private:
  /// Wakes the first of `waiters` and takes it out of the line.
  static void wake_next(std::deque<Wait*>& waiters);

  std::size_t maxsize_;
  std::size_t size_ = 0;
  std::deque<Wait*> getters_;  // tasks waiting for an item, first come first
  std::deque<Wait*> putters_;  // tasks waiting for room, first come first
};

}  // namespace detail

/// Python's asyncio.Queue: a FIFO queue between tasks of one loop. put() on a full queue and get() on
/// an empty one suspend the calling *task* (the loop goes on running the others) instead of blocking
/// the thread as queue.Queue.get() does. Waiting getters are served in arrival order, and so are
/// waiting putters.
///
/// ```cpp
/// Queue<int> queue(10);
/// co_await queue.put(1);          // waits while full
/// int item = co_await queue.get();  // waits while empty
/// ```
///
/// put() and get() are member coroutines: the queue must outlive every task that waits in them (CP.53:
/// `this` is a pointer parameter of the coroutine). A task cancelled in put() or get() leaves the queue
/// as it was: its item is not added, no item is lost.
///
/// @threadsafety Not thread-safe, by design: loop thread only (asyncio.Queue is the same; to feed it
/// from another thread, call_soon_threadsafe a put_nowait).
template <typename T>
class Queue {
 public:
  /// maxsize 0: unbounded.
  explicit Queue(std::size_t maxsize = 0) : core_(maxsize) {}

  /// Queue.put(item): waits while the queue is full, then adds `item` at the back.
  Task<void> put(T item) {
    while (core_.full()) co_await core_.room_available();
    put_nowait(std::move(item));
  }
  /// Queue.get(): waits while the queue is empty, then removes and returns the front item.
  Task<T> get() {
    while (core_.empty()) co_await core_.item_available();
    co_return get_nowait();
  }
  /// Queue.put_nowait(item): adds `item` now, or throws QueueFull.
  void put_nowait(T item) {
    if (core_.full()) throw QueueFull("put_nowait() on a full queue");
    items_.push_back(std::move(item));
    core_.added();
  }
  /// Queue.get_nowait(): the front item now, or throws QueueEmpty.
  T get_nowait() {
    if (core_.empty()) throw QueueEmpty("get_nowait() on an empty queue");
    T item = std::move(items_.front());
    items_.pop_front();
    core_.removed();
    return item;
  }

  /// Queue.qsize(), empty(), full(), maxsize.
  [[nodiscard]] std::size_t qsize() const { return core_.size(); }
  [[nodiscard]] bool empty() const { return core_.empty(); }
  [[nodiscard]] bool full() const { return core_.full(); }
  [[nodiscard]] std::size_t maxsize() const noexcept { return core_.maxsize(); }

 private:
  detail::QueueCore core_;
  std::deque<T> items_;
};

}  // namespace threadlings::lesson11
