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

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson08 {

template <typename T, Order order>
BasicQueue<T, order>::BasicQueue(long maxsize) : maxsize_(maxsize) {}

template <typename T, Order order>
BasicQueue<T, order>::~BasicQueue() = default;

// TODO: Python's _put. Append Entry{item, next_sequence_++} to items_. For Order::priority
// keep items_ a heap (std::push_heap with a comparison that puts the entry to come out next on top:
// the smallest value, and among equal values the smallest sequence). Use `if constexpr (order == ...)`.
template <typename T, Order order>
void BasicQueue<T, order>::store(T&& item) {
  throw NotImplemented("BasicQueue::store — see lesson 08");
}

// TODO: Python's _get. fifo: take the front; lifo: take the back; priority: std::pop_heap
// (same comparison as store) moves the top to the back, then take the back. Move the value out.
template <typename T, Order order>
T BasicQueue<T, order>::take() {
  throw NotImplemented("BasicQueue::take — see lesson 08");
}

// TODO: true when the queue has a bound (maxsize_ > 0) and holds that many items.
template <typename T, Order order>
bool BasicQueue<T, order>::at_bound() const {
  throw NotImplemented("BasicQueue::at_bound — see lesson 08");
}

// TODO: a negative timeout throws std::invalid_argument (check before locking). Under
// mutex_: ShutDown if shut down; while at_bound(): Full if !block, else wait on not_full_ (until the
// deadline, if there is a timeout), then ShutDown if shut down meanwhile, Full if the time ran out and
// it is still full, else check again. Then store(), count an unfinished task, wake one getter.
template <typename T, Order order>
void BasicQueue<T, order>::put(T item, bool block, Timeout timeout) {
  throw NotImplemented("BasicQueue::put — see lesson 08");
}

// TODO: the mirror of put(): while items_ is empty: ShutDown if shut down (the items left
// after a shutdown are still handed out), Empty if !block, else wait on not_empty_ (until the
// deadline); a wake-up that finds nothing is not an answer: loop, and throw Empty only when the time
// is up. Then take(), and wake one putter.
template <typename T, Order order>
T BasicQueue<T, order>::get(bool block, Timeout timeout) {
  throw NotImplemented("BasicQueue::get — see lesson 08");
}

// TODO: one unfinished task less. At zero already: TaskDoneError, and change nothing. When it
// reaches zero, wake every join().
template <typename T, Order order>
void BasicQueue<T, order>::task_done() {
  throw NotImplemented("BasicQueue::task_done — see lesson 08");
}

// TODO: wait on all_tasks_done_ until no task is unfinished.
template <typename T, Order order>
void BasicQueue<T, order>::join() {
  throw NotImplemented("BasicQueue::join — see lesson 08");
}

// TODO: mark the queue shut down. If immediate: discard the items, count each as done
// (never below zero), and wake every join(). In both cases wake every waiting get() and put().
template <typename T, Order order>
void BasicQueue<T, order>::shutdown(bool immediate) {
  throw NotImplemented("BasicQueue::shutdown — see lesson 08");
}

// TODO: the number of items, read under mutex_.
template <typename T, Order order>
std::size_t BasicQueue<T, order>::qsize() const {
  throw NotImplemented("BasicQueue::qsize — see lesson 08");
}

// TODO: whether there is no item, read under mutex_.
template <typename T, Order order>
bool BasicQueue<T, order>::empty() const {
  throw NotImplemented("BasicQueue::empty — see lesson 08");
}

// TODO: whether put() would have to wait (at_bound()), read under mutex_.
template <typename T, Order order>
bool BasicQueue<T, order>::full() const {
  throw NotImplemented("BasicQueue::full — see lesson 08");
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
