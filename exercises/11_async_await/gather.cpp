// Lesson 11, async/await: make gather pass the tests in tests/11_async_await/.
// Concept: asyncio.gather: run tasks concurrently, results in argument order, the first error wins (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "gather.hpp"

#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson11::detail {

// Provided: one watcher per child, built before anything can call them.
GatherCore::GatherCore(std::vector<TaskCore*> children, GatherSlots& slots)
    : children_(std::move(children)), slots_(slots), ended_(children_.size(), false) {
  watchers_.reserve(children_.size());
  for (std::size_t i = 0; i < children_.size(); ++i) watchers_.emplace_back(*this, i);
}

// TODO: stop watching the children (stop()).
GatherCore::~GatherCore() {}

// Provided: a watcher tells the core which child it watches.
void GatherCore::ChildWatcher::task_done() { core_->child_done(index_); }
void GatherCore::ChildWatcher::task_gone() noexcept { core_->child_gone(index_); }

// TODO: first check every child (one scheduled on a loop other than loop() -> InvalidStateError),
// then claim() every child. remaining_ = the number of children. For each child i: schedule it on
// loop() if nobody has; done already -> child_done(i), else watch it with watchers_[i]. No children
// at all -> wake() at once.
void GatherCore::start() {
  throw NotImplemented("GatherCore::start — see lesson 11");
}

// TODO: unwatch every child (unwatch is harmless for a child that is not watched).
void GatherCore::stop() noexcept {}

// TODO: child `index` ended: unwatch it, mark it ended_. Failed (failed(), a cancellation included):
// the first one keeps its error() in error_ and cancels the other children; later ones are dropped.
// Succeeded: slots_.collect(index, index) (its slot is its place among the arguments, whenever it
// ends). Then count it; after the last one, wake().
void GatherCore::child_done(std::size_t index) {
  throw NotImplemented("GatherCore::child_done — see lesson 11");
}

// TODO: as child_done for a child whose frame is gone: ended, a CancelledError as the first error
// if there is none yet, counted; wake() after the last one, inside a try.
void GatherCore::child_gone(std::size_t index) noexcept {}

// TODO: cancel() every child that has not ended and is not done (inside a try each).
void GatherCore::cancel_children() noexcept {}

// TODO: the gather itself is cancelled: remember it (cancelled_), cancel the children, and keep
// waiting for their end (true).
bool GatherCore::pass_cancel_on() {
  throw NotImplemented("GatherCore::pass_cancel_on — see lesson 11");
}

// TODO: Waiter::await_resume(); then rethrow error_, or throw CancelledError if cancelled_.
void GatherCore::await_resume() {
  throw NotImplemented("GatherCore::await_resume — see lesson 11");
}

}  // namespace threadlings::lesson11::detail
