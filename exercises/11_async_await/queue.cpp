// Lesson 11, async/await: make the async Queue pass the tests in tests/11_async_await/.
// Concept: asyncio.Queue: put and get that suspend the task instead of blocking the thread (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "queue.hpp"

#include <algorithm>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson11::detail {

// TODO: join the line: push this at the back of the queue's getters_ (for_item_) or putters_.
void QueueCore::Wait::start() {
  throw NotImplemented("QueueCore::Wait::start — see lesson 11");
}

// TODO: leave the line (erase this from it).
void QueueCore::Wait::stop() noexcept {}

// TODO: resumed_ = true; then Waiter::await_resume(), but catch a CancelledError: pass_on(), then
// rethrow.
void QueueCore::Wait::await_resume() {
  throw NotImplemented("QueueCore::Wait::await_resume — see lesson 11");
}

// TODO: never resumed (its task's frame was destroyed after the wake-up): pass_on().
QueueCore::Wait::~Wait() {}

// TODO: if this wait was woken (woken()) and what woke it is still there (an item for a getter, room
// for a putter), wake_next() of the same line (inside a try: this runs in a destructor too).
void QueueCore::Wait::pass_on() noexcept {}

// TODO: if `waiters` is not empty, take the first out of the line and wake() it.
void QueueCore::wake_next(std::deque<Wait*>& waiters) {
  throw NotImplemented("QueueCore::wake_next — see lesson 11");
}

// TODO: one more item; wake the first getter.
void QueueCore::added() {
  throw NotImplemented("QueueCore::added — see lesson 11");
}

// TODO: one item less; wake the first putter.
void QueueCore::removed() {
  throw NotImplemented("QueueCore::removed — see lesson 11");
}

// TODO: size_; size_ == 0; a bounded queue (maxsize_ != 0) holding maxsize_ items or more.
std::size_t QueueCore::size() const {
  throw NotImplemented("QueueCore::size — see lesson 11");
}

bool QueueCore::empty() const {
  throw NotImplemented("QueueCore::empty — see lesson 11");
}

bool QueueCore::full() const {
  throw NotImplemented("QueueCore::full — see lesson 11");
}

}  // namespace threadlings::lesson11::detail
