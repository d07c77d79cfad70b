// Lesson 08, queues: make Queue, LifoQueue and PriorityQueue pass the tests in tests/08_queues/.
// Concept: queue.Queue: a lock, three conditions, a bound, task_done/join and shutdown (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "queue.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace threadlings::lesson08 {

namespace {

using Clock = std::chrono::steady_clock;

// The deadline of a wait that may block, or nothing for "for ever". A negative timeout is refused
// before anything is touched, as Python's ValueError("'timeout' must be a non-negative number").
std::optional<Clock::time_point> deadline_of(bool block, Timeout timeout) {
  if (!block || !timeout) return std::nullopt;
  if (*timeout < Timeout::value_type::zero()) {
    throw std::invalid_argument("Queue: 'timeout' must be a non-negative number");
  }
  return Clock::now() + *timeout;
}

// The heap order for Order::priority: std::push_heap keeps the "largest" on top, so an entry is
// "less" when it should come out *later*: a larger value, or an equal value put later.
template <typename Entry>
bool comes_out_later(const Entry& a, const Entry& b) {
  if (b.value < a.value) return true;
  if (a.value < b.value) return false;
  return a.sequence > b.sequence;  // equal priority: the earlier put comes out first
}

}  // namespace

template <typename T, Order order>
BasicQueue<T, order>::BasicQueue(long maxsize) : maxsize_(maxsize) {}

template <typename T, Order order>
BasicQueue<T, order>::~BasicQueue() = default;

template <typename T, Order order>
void BasicQueue<T, order>::store(T&& item) {
  items_.push_back(Entry{std::move(item), next_sequence_++});
  if constexpr (order == Order::priority) std::push_heap(items_.begin(), items_.end(), comes_out_later<Entry>);
}

template <typename T, Order order>
T BasicQueue<T, order>::take() {
  if constexpr (order == Order::fifo) {
    T value = std::move(items_.front().value);
    items_.pop_front();
    return value;
  } else {
    // lifo takes the newest; priority first moves the top of the heap to the back.
    if constexpr (order == Order::priority) std::pop_heap(items_.begin(), items_.end(), comes_out_later<Entry>);
    T value = std::move(items_.back().value);
    items_.pop_back();
    return value;
  }
}

template <typename T, Order order>
bool BasicQueue<T, order>::at_bound() const {
  return maxsize_ > 0 && items_.size() >= static_cast<std::size_t>(maxsize_);
}

template <typename T, Order order>
void BasicQueue<T, order>::put(T item, bool block, Timeout timeout) {
  const auto deadline = deadline_of(block, timeout);
  std::unique_lock lock(mutex_);
  if (is_shutdown_) throw ShutDown("Queue::put: the queue is shut down");
  while (at_bound()) {
    if (!block) throw Full("Queue::put: the queue is full");
    // Counted while waiting, so that get() notifies only when someone listens.
    ++waiting_putters_;
    bool timed_out = false;
    if (deadline) {
      timed_out = not_full_.wait_until(lock, *deadline) == std::cv_status::timeout;
    } else {
      not_full_.wait(lock);
    }
    --waiting_putters_;
    // Re-checked after every wake-up: a shutdown, or (loop) still full, maybe stolen by another put().
    if (is_shutdown_) throw ShutDown("Queue::put: the queue was shut down while waiting");
    if (timed_out && at_bound()) throw Full("Queue::put: no room within the timeout");
  }
  store(std::move(item));
  ++unfinished_tasks_;
  // Notify only a waiter that exists: an unneeded notify costs the consumer's cache line for nothing.
  if (waiting_getters_ > 0) not_empty_.notify_one();
}

template <typename T, Order order>
T BasicQueue<T, order>::get(bool block, Timeout timeout) {
  const auto deadline = deadline_of(block, timeout);
  std::unique_lock lock(mutex_);
  while (items_.empty()) {
    // After a shutdown the remaining items are still handed out; only an empty queue says ShutDown.
    if (is_shutdown_) throw ShutDown("Queue::get: the queue is shut down and empty");
    if (!block) throw Empty("Queue::get: the queue is empty");
    ++waiting_getters_;
    bool timed_out = false;
    if (deadline) {
      timed_out = not_empty_.wait_until(lock, *deadline) == std::cv_status::timeout;
    } else {
      not_empty_.wait(lock);
    }
    --waiting_getters_;
    // A wake-up without an item (spurious, or another get() was faster) loops and waits again.
    if (timed_out && items_.empty() && !is_shutdown_) throw Empty("Queue::get: nothing within the timeout");
  }
  T value = take();
  if (waiting_putters_ > 0) not_full_.notify_one();
  return value;
}

template <typename T, Order order>
void BasicQueue<T, order>::task_done() {
  const std::scoped_lock lock(mutex_);
  if (unfinished_tasks_ == 0) throw TaskDoneError("Queue::task_done: called too many times");
  if (--unfinished_tasks_ == 0) all_tasks_done_.notify_all();  // every join() returns
}

template <typename T, Order order>
void BasicQueue<T, order>::join() {
  std::unique_lock lock(mutex_);
  all_tasks_done_.wait(lock, [this] { return unfinished_tasks_ == 0; });
}

template <typename T, Order order>
void BasicQueue<T, order>::shutdown(bool immediate) {
  const std::scoped_lock lock(mutex_);
  is_shutdown_ = true;
  if (immediate) {
    // Discarded items count as done, as in CPython: join() must not wait for work nobody will do.
    const std::size_t discarded = std::min(items_.size(), unfinished_tasks_);
    items_.clear();
    unfinished_tasks_ -= discarded;
    all_tasks_done_.notify_all();
  }
  // Every waiter must re-check: getters (ShutDown if empty), putters (ShutDown always). All of them.
  not_empty_.notify_all();
  not_full_.notify_all();
}

template <typename T, Order order>
std::size_t BasicQueue<T, order>::qsize() const {
  const std::scoped_lock lock(mutex_);
  return items_.size();
}

template <typename T, Order order>
bool BasicQueue<T, order>::empty() const {
  const std::scoped_lock lock(mutex_);
  return items_.empty();
}

template <typename T, Order order>
bool BasicQueue<T, order>::full() const {
  const std::scoped_lock lock(mutex_);
  return at_bound();
}

// The types the tests and the demo use. To queue another type, add its line here.
template class BasicQueue<int, Order::fifo>;
template class BasicQueue<std::string, Order::fifo>;
template class BasicQueue<std::unique_ptr<int>, Order::fifo>;
template class BasicQueue<int, Order::lifo>;
template class BasicQueue<std::string, Order::lifo>;
template class BasicQueue<int, Order::priority>;
template class BasicQueue<std::pair<int, std::string>, Order::priority>;
template class BasicQueue<Prioritized<std::string>, Order::priority>;

}  // namespace threadlings::lesson08
