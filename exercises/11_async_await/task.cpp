// Lesson 11, async/await: make Task, create_task, cancel and run pass the tests in tests/11_async_await/.
// Concept: asyncio.Task on C++20 coroutines: a frame, its promise, steps, await points (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "task.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson11::detail {

// ---- Waiter: one await point ----------------------------------------------------------------------

// Provided: the task the running loop is stepping.
TaskCore* TaskCore::current() noexcept {
  EventLoop* loop = EventLoop::running();
  return loop != nullptr ? loop->current_task_ : nullptr;
}

// Provided.
EventLoop& Waiter::loop() const noexcept { return *task_->loop_; }

// TODO: the task is TaskCore::current() (none: EventLoopError, "co_await outside a task"). Record
// task_, state_ = waiting, and in the task waiting_on_ = this and resume_point_ = frame. Then start();
// if it throws, undo the two records (waiting_on_ only if it is still this) and rethrow. Last, a
// cancellation requested while the task ran (must_cancel_) is delivered now: if cancel() takes it,
// clear must_cancel_.
void Waiter::await_suspend(std::coroutine_handle<> frame) {
  throw NotImplemented("Waiter::await_suspend — see lesson 11");
}

// TODO: cancelled -> throw CancelledError. Woken (done) but the task's must_cancel_ is set (cancel()
// came after the wake-up) -> clear it and throw CancelledError. Otherwise nothing.
void Waiter::await_resume() {
  throw NotImplemented("Waiter::await_resume — see lesson 11");
}

// TODO: only when waiting: done; the task waits no more (waiting_on_ = nullptr); schedule its step.
// (Ignoring a wake-up that is not for a waiting Waiter is what keeps a task from being resumed twice.)
void Waiter::wake() {
  throw NotImplemented("Waiter::wake — see lesson 11");
}

// TODO: not waiting -> false (woken already: the task's await_resume will see must_cancel_). If
// pass_cancel_on() -> true (the wait goes on). Else stop(), cancelled, waiting_on_ = nullptr, schedule
// the task's step, true.
bool Waiter::cancel() {
  throw NotImplemented("Waiter::cancel — see lesson 11");
}

// ---- TaskWaiter: co_await of a scheduled task ---------------------------------------------------

// TODO: become the awaited task's watcher (awaited_->watch(*this)).
void TaskWaiter::start() {
  throw NotImplemented("TaskWaiter::start — see lesson 11");
}

// TODO: stop watching the awaited task, if there is one (unwatch).
void TaskWaiter::stop() noexcept {}

// TODO: cancel the awaited task (if there is one) and return what its cancel() says.
bool TaskWaiter::pass_cancel_on() {
  throw NotImplemented("TaskWaiter::pass_cancel_on — see lesson 11");
}

// TODO: the awaited task ended: wake().
void TaskWaiter::task_done() {
  throw NotImplemented("TaskWaiter::task_done — see lesson 11");
}

// TODO: the awaited task's frame is being destroyed: remember it (gone_), forget it (awaited_ =
// nullptr), and wake() (inside a try: this runs on a destructor's path and must not throw).
void TaskWaiter::task_gone() noexcept {}

// TODO: unwatch the awaited task if there is one; then Waiter::await_resume(); then, if gone_, throw
// CancelledError ("the awaited Task was destroyed before it finished").
void TaskWaiter::finish() {
  throw NotImplemented("TaskWaiter::finish — see lesson 11");
}

// ---- TaskCore: the coroutine's side ---------------------------------------------------------------

// TODO: keep std::current_exception() in error_; if it is a CancelledError (rethrow it inside a
// try and catch it by type), set cancelled_.
void TaskCore::unhandled_exception() noexcept { error_ = std::current_exception(); }

// TODO: finished. Awaited inline (continuation_ set) and not running_inline_ (the awaiter is
// suspended: this frame was resumed later, by the loop) -> return continuation_ (symmetric transfer
// back to the awaiter). Otherwise std::noop_coroutine(): back to whoever resumed this frame
// (await_suspend() below, or step() for a scheduled task).
std::coroutine_handle<> TaskCore::on_finish() noexcept { return std::noop_coroutine(); }

// TODO: claimed_ already -> InvalidStateError ("a Task has one awaiter..."); else claimed_ = true.
void TaskCore::claim() {
  throw NotImplemented("TaskCore::claim — see lesson 11");
}

// TODO: claim(); finished -> true. Scheduled on a loop other than EventLoop::running() ->
// InvalidStateError. Else false.
bool TaskCore::await_ready() {
  throw NotImplemented("TaskCore::await_ready — see lesson 11");
}

// TODO: not scheduled (loop_ null): run it inline, from here: continuation_ = awaiting, started,
// running_inline_ = true, frame_.resume() (it runs until its first real suspension or its end),
// running_inline_ = false; return whether it is still unfinished (false lets the awaiter go on at
// once). Scheduled: waiter.awaited_ = this, then waiter.Waiter::await_suspend(awaiting) (on a throw,
// reset awaited_ and rethrow), and return true (the awaiting task is suspended; the loop goes on).
bool TaskCore::await_suspend(std::coroutine_handle<> awaiting, TaskWaiter& waiter) {
  throw NotImplemented("TaskCore::await_suspend — see lesson 11");
}

// TODO: not finished -> InvalidStateError; error_ -> std::rethrow_exception.
void TaskCore::rethrow_if_failed() const {
  throw NotImplemented("TaskCore::rethrow_if_failed — see lesson 11");
}

// TODO: a scheduled task that has not finished: if it is the loop's current task (destroyed from its
// own step), print why to stderr and std::abort(); else leave_loop(). Then a watcher learns the result
// is gone (exchange watcher_ with nullptr, task_gone()). Last, destroy the frame (copy frame_ first:
// destroying the frame destroys this object).
void TaskCore::destroy_frame() noexcept {
  const std::coroutine_handle<> frame = frame_;
  frame.destroy();
}

// ---- TaskCore: the task's side ---------------------------------------------------------------------

// TODO: scheduled already -> InvalidStateError; started (not created) -> InvalidStateError; a closed
// loop -> EventLoopError. Else loop_ = &loop, add this to loop.tasks_, schedule_step() (on a throw,
// undo both and rethrow).
void TaskCore::schedule(EventLoop& loop) {
  throw NotImplemented("TaskCore::schedule — see lesson 11");
}

// TODO: step_ = loop_->call_soon(a lambda calling step()).
void TaskCore::schedule_step() {
  throw NotImplemented("TaskCore::schedule_step — see lesson 11");
}

// TODO: step_ = Handle() (this step is running). Still waiting_on_ something -> std::logic_error (a
// wake-up came twice). Created: must_cancel_ -> end it cancelled without running the body (error_ =
// a CancelledError, cancelled_, finished, complete(), return); else started, resume_point_ = frame_.
// Then set the loop's current_task_ to this, resume_point_.resume(), restore current_task_; if the
// task finished in that step, complete().
void TaskCore::step() {
  throw NotImplemented("TaskCore::step — see lesson 11");
}

// TODO: leave loop_->tasks_; tell the watcher, if any (task_done()).
void TaskCore::complete() {
  throw NotImplemented("TaskCore::complete — see lesson 11");
}

// TODO: not scheduled -> InvalidStateError. Finished -> false. Waiting at an await point whose
// cancel() takes it -> true. Else must_cancel_ = true (delivered at the next await point, or before the
// first step) and true.
bool TaskCore::cancel() {
  throw NotImplemented("TaskCore::cancel — see lesson 11");
}

// Provided: the state, as asyncio.Task reports it.
bool TaskCore::done() const noexcept { return stage_ == Stage::finished; }
bool TaskCore::cancelled() const noexcept { return stage_ == Stage::finished && cancelled_; }
bool TaskCore::failed() const noexcept { return stage_ == Stage::finished && error_ != nullptr; }
std::exception_ptr TaskCore::error() const noexcept { return error_; }
EventLoop* TaskCore::loop() const noexcept { return loop_; }

// Provided.
void TaskCore::watch(TaskWatcher& watcher) {
  if (watcher_ != nullptr && watcher_ != &watcher) throw InvalidStateError("this Task has a watcher already");
  watcher_ = &watcher;
}

void TaskCore::unwatch(TaskWatcher& watcher) noexcept {
  if (watcher_ == &watcher) watcher_ = nullptr;
}

// TODO: stop waiting (the Waiter at waiting_on_: stop() it, mark it cancelled, waiting_on_ =
// nullptr); cancel step_; leave loop_->tasks_.
void TaskCore::leave_loop() noexcept {}

// TODO: leave_loop(), then forget the loop (loop_ = nullptr).
void TaskCore::detach_from_loop() noexcept {}

// ---- run_until_complete ------------------------------------------------------------------------------

// TODO: claim the task; schedule it on `loop` if it is not scheduled (on another loop:
// InvalidStateError); done already -> return. Else watch it with a small TaskWatcher that calls
// loop.stop() in task_done(), run_forever() (unwatch on the way out, also when it throws), and throw
// EventLoopError if the task is still not done.
void run_until_done(EventLoop& loop, TaskCore& task) {
  throw NotImplemented("run_until_done — see lesson 11");
}

}  // namespace threadlings::lesson11::detail
