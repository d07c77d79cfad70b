// Lesson 11, async/await: make the async Queue pass the tests in tests/11_async_await/.
// Concept: asyncio.Queue: put and get that suspend the task instead of blocking the thread (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "queue.hpp"

#include <algorithm>

namespace threadlings::lesson11::detail {

// Joining the line is all the waiting there is: added() and removed() wake the first in line.
void QueueCore::Wait::start() { (for_item_ ? queue_->getters_ : queue_->putters_).push_back(this); }

// Cancelled (or its task destroyed) while in line: leave it, or added() would wake a dead waiter.
void QueueCore::Wait::stop() noexcept {
  auto& line = for_item_ ? queue_->getters_ : queue_->putters_;
  line.erase(std::remove(line.begin(), line.end(), this), line.end());
}

// Python's Queue.get() does the same in its except clause: a getter that was woken and then cancelled
// passes its wake-up on, if what woke it is still there.
void QueueCore::Wait::await_resume() {
  resumed_ = true;
  try {
    Waiter::await_resume();
  } catch (const CancelledError&) {
    pass_on();
    throw;
  }
}

// Its task's frame was destroyed between the wake-up and the step: the same wake-up would be lost.
QueueCore::Wait::~Wait() {
  if (!resumed_) pass_on();
}

void QueueCore::Wait::pass_on() noexcept {
  if (!woken() || (for_item_ ? queue_->empty() : queue_->full())) return;
  try {
    wake_next(for_item_ ? queue_->getters_ : queue_->putters_);
  } catch (...) {
    // The loop could not queue the step (out of memory): nothing better to do here.
  }
}

void QueueCore::wake_next(std::deque<Wait*>& waiters) {
  if (waiters.empty()) return;
  Wait* const first = waiters.front();
  waiters.pop_front();  // out of the line first: woken, it is no longer waiting here
  first->wake();
}

void QueueCore::added() {
  ++size_;
  wake_next(getters_);
}

void QueueCore::removed() {
  --size_;
  wake_next(putters_);
}

std::size_t QueueCore::size() const { return size_; }
bool QueueCore::empty() const { return size_ == 0; }
bool QueueCore::full() const { return maxsize_ != 0 && size_ >= maxsize_; }

}  // namespace threadlings::lesson11::detail
