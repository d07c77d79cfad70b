// Lesson 11, async/await: make gather pass the tests in tests/11_async_await/.
// Concept: asyncio.gather: run tasks concurrently, results in argument order, the first error wins (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "gather.hpp"

#include <utility>

namespace threadlings::lesson11::detail {

GatherCore::GatherCore(std::vector<TaskCore*> children, GatherSlots& slots)
    : children_(std::move(children)), slots_(slots), ended_(children_.size(), false) {
  watchers_.reserve(children_.size());
  for (std::size_t i = 0; i < children_.size(); ++i) watchers_.emplace_back(*this, i);
}

GatherCore::~GatherCore() { stop(); }

void GatherCore::ChildWatcher::task_done() { core_->child_done(index_); }
void GatherCore::ChildWatcher::task_gone() noexcept { core_->child_gone(index_); }

// Check everything before changing anything: a refused child must not leave the others claimed.
void GatherCore::start() {
  EventLoop& events = loop();
  for (TaskCore* child : children_) {
    if (child->loop() != nullptr && child->loop() != &events) {
      throw InvalidStateError("gather() of a Task that is scheduled on another event loop");
    }
  }
  for (TaskCore* child : children_) child->claim();
  remaining_ = children_.size();
  for (std::size_t i = 0; i < children_.size(); ++i) {
    TaskCore& child = *children_[i];
    if (child.loop() == nullptr) child.schedule(events);
    if (child.done()) {
      child_done(i);  // ended before the gather: counted now
    } else {
      child.watch(watchers_[i]);
    }
  }
  if (children_.empty()) wake();  // gather() of nothing: ready at once, with no results
}

void GatherCore::stop() noexcept {
  for (std::size_t i = 0; i < children_.size(); ++i) children_[i]->unwatch(watchers_[i]);
}

// The results go in argument order: the slot of child i is i, whenever it ends.
void GatherCore::child_done(std::size_t index) {
  TaskCore& child = *children_[index];
  child.unwatch(watchers_[index]);
  ended_[index] = true;
  if (child.failed()) {
    if (!error_) {
      error_ = child.error();  // the first exception is gather's
      cancel_children();       // the others stop; gather waits for their end
    }
  } else {
    slots_.collect(index, index);
  }
  if (--remaining_ == 0) wake();
}

void GatherCore::child_gone(std::size_t index) noexcept {
  ended_[index] = true;
  if (!error_) error_ = std::make_exception_ptr(CancelledError("a task of gather() was destroyed"));
  if (--remaining_ == 0) {
    try {
      wake();
    } catch (...) {
      // The loop could not queue the step: nothing better to do in a destructor's path.
    }
  }
}

void GatherCore::cancel_children() noexcept {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (!ended_[i] && !children_[i]->done()) {
      try {
        (void)children_[i]->cancel();
      } catch (...) {
        // A child detached from a closed loop cannot be cancelled, nor can it end: nothing to do.
      }
    }
  }
}

// Cancelling the gather cancels its children (Python does the same) and keeps waiting for them.
bool GatherCore::pass_cancel_on() {
  cancelled_ = true;
  cancel_children();
  return true;
}

void GatherCore::await_resume() {
  Waiter::await_resume();
  if (error_) std::rethrow_exception(error_);
  if (cancelled_) throw CancelledError("gather() was cancelled");
}

}  // namespace threadlings::lesson11::detail
