// Lesson 11, async/await: make Task, create_task, cancel and run pass the tests in tests/11_async_await/.
// Concept: asyncio.Task on C++20 coroutines: a frame, its promise, steps, await points (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "task.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

namespace threadlings::lesson11::detail {

// ---- Waiter: one await point ----------------------------------------------------------------------

TaskCore* TaskCore::current() noexcept {
  EventLoop* loop = EventLoop::running();
  return loop != nullptr ? loop->current_task_ : nullptr;
}

EventLoop& Waiter::loop() const noexcept { return *task_->loop_; }

// The waiter is registered before start() (start() may wake it at once, e.g. a gather of finished
// tasks), and a cancellation requested while the task ran is delivered here, at its first real
// suspension, as Python's Task.__step does with _must_cancel.
void Waiter::await_suspend(std::coroutine_handle<> frame) {
  TaskCore* task = TaskCore::current();
  if (task == nullptr) {
    throw EventLoopError("co_await outside a task: run coroutines with run(), run_until_complete() or create_task()");
  }
  task_ = task;
  state_ = State::waiting;
  task->waiting_on_ = this;
  task->resume_point_ = frame;
  try {
    start();
  } catch (...) {
    if (task->waiting_on_ == this) task->waiting_on_ = nullptr;
    state_ = State::idle;
    throw;
  }
  if (task->must_cancel_ && cancel()) task->must_cancel_ = false;
}

void Waiter::await_resume() {
  if (state_ == State::cancelled) throw CancelledError();
  // Woken, then cancelled before the step ran: the cancellation wins (Python's _must_cancel).
  if (state_ == State::done && task_->must_cancel_) {
    task_->must_cancel_ = false;
    throw CancelledError();
  }
}

// Only a waiting Waiter can be woken: a late wake-up (a timer that fired after a cancellation, a thread
// that finished after its waiter gave up) must not resume the task a second time.
void Waiter::wake() {
  if (state_ != State::waiting) return;
  state_ = State::done;
  task_->waiting_on_ = nullptr;
  task_->schedule_step();
}

bool Waiter::cancel() {
  if (state_ != State::waiting) return false;  // woken already: the task is queued; its await_resume decides
  if (pass_cancel_on()) return true;           // a task or a gather was cancelled instead: wait for its end
  stop();
  state_ = State::cancelled;
  task_->waiting_on_ = nullptr;
  task_->schedule_step();
  return true;
}

// ---- TaskWaiter: co_await of a scheduled task ---------------------------------------------------

void TaskWaiter::start() { awaited_->watch(*this); }

void TaskWaiter::stop() noexcept {
  if (awaited_ != nullptr) awaited_->unwatch(*this);
}

// Python: "If the Task is awaiting another task, that task is cancelled too" - and the awaiting task
// goes on waiting for its end (it may refuse the cancellation and return a value).
bool TaskWaiter::pass_cancel_on() { return awaited_ != nullptr && awaited_->cancel(); }

void TaskWaiter::task_done() { wake(); }

void TaskWaiter::task_gone() noexcept {
  gone_ = true;
  awaited_ = nullptr;
  try {
    wake();
  } catch (...) {
    // The loop could not queue the step (out of memory): nothing better to do in a destructor's path.
  }
}

void TaskWaiter::finish() {
  if (awaited_ != nullptr) awaited_->unwatch(*this);  // from now on, its destruction is no concern of ours
  Waiter::await_resume();
  if (gone_) throw CancelledError("the awaited Task was destroyed before it finished");
}

// ---- TaskCore: the coroutine's side ---------------------------------------------------------------

void TaskCore::unhandled_exception() noexcept {
  error_ = std::current_exception();
  try {
    throw;
  } catch (const CancelledError&) {
    cancelled_ = true;
  } catch (...) {
  }
}

std::coroutine_handle<> TaskCore::on_finish() noexcept {
  stage_ = Stage::finished;
  // Awaited inline, and the awaiter is suspended (this frame was resumed later by the loop): back to it.
  if (continuation_ && !running_inline_) return continuation_;
  // Ended inside await_suspend()'s resume (which lets the awaiter go on), or a scheduled task (back to
  // step(), which completes it).
  return std::noop_coroutine();
}

void TaskCore::claim() {
  if (claimed_) {
    throw InvalidStateError("this Task is awaited already: a Task has one awaiter (co_await it once, or gather() it, "
                            "or run_until_complete() it)");
  }
  claimed_ = true;
}

bool TaskCore::await_ready() {
  claim();
  if (stage_ == Stage::finished) return true;
  if (loop_ != nullptr && loop_ != EventLoop::running()) {
    throw InvalidStateError("co_await of a Task that is scheduled on another event loop");
  }
  return false;
}

// A coroutine nobody scheduled is not a task of its own: it starts now, inside the awaiting task's
// step, and its await points belong to the awaiting task. It is resumed from here (not by returning
// its handle): if it ends without suspending, this call returns false and the awaiter goes on, with
// no frame left on the stack; a Debug build would otherwise nest one call per co_await.
bool TaskCore::await_suspend(std::coroutine_handle<> awaiting, TaskWaiter& waiter) {
  if (loop_ == nullptr) {
    continuation_ = awaiting;
    stage_ = Stage::started;
    running_inline_ = true;
    frame_.resume();  // until its first real suspension, or its end
    running_inline_ = false;
    return stage_ != Stage::finished;
  }
  waiter.awaited_ = this;
  try {
    waiter.Waiter::await_suspend(awaiting);
  } catch (...) {
    waiter.awaited_ = nullptr;
    throw;
  }
  return true;
}

void TaskCore::rethrow_if_failed() const {
  if (stage_ != Stage::finished) throw InvalidStateError("the Task is not done yet");
  if (error_) std::rethrow_exception(error_);
}

void TaskCore::destroy_frame() noexcept {
  if (loop_ != nullptr && stage_ != Stage::finished) {
    if (loop_->current_task_ == this) {
      std::fputs("threadlings: a Task was destroyed from inside its own step (the frame would be destroyed while it "
                 "runs)\n",
                 stderr);
      std::abort();
    }
    leave_loop();
  }
  if (watcher_ != nullptr) std::exchange(watcher_, nullptr)->task_gone();
  const std::coroutine_handle<> frame = frame_;
  frame.destroy();  // destroys this promise too: nothing may touch a member after this line
}

// ---- TaskCore: the task's side ---------------------------------------------------------------------

void TaskCore::schedule(EventLoop& loop) {
  if (loop_ != nullptr) throw InvalidStateError("create_task() of a Task that is scheduled already");
  if (stage_ != Stage::created) throw InvalidStateError("create_task() of a coroutine that has started (it is awaited inline)");
  if (loop.is_closed()) throw EventLoopError("create_task() on a closed event loop");
  loop_ = &loop;
  loop.tasks_.insert(this);
  try {
    schedule_step();
  } catch (...) {
    loop.tasks_.erase(this);
    loop_ = nullptr;
    throw;
  }
}

void TaskCore::schedule_step() {
  step_ = loop_->call_soon([this] { step(); });
}

void TaskCore::step() {
  step_ = Handle();
  if (waiting_on_ != nullptr) {
    throw std::logic_error("TaskCore::step: a task was resumed while it still waits at an await point (resumed twice?)");
  }
  if (stage_ == Stage::created) {
    if (must_cancel_) {
      // Cancelled before its first step: like Python, the body never runs.
      must_cancel_ = false;
      error_ = std::make_exception_ptr(CancelledError());
      cancelled_ = true;
      stage_ = Stage::finished;
      complete();
      return;
    }
    stage_ = Stage::started;
    resume_point_ = frame_;
  }
  TaskCore* const previous = std::exchange(loop_->current_task_, this);
  resume_point_.resume();  // runs until the task's next await point, or its end
  loop_->current_task_ = previous;
  if (stage_ == Stage::finished) complete();
}

void TaskCore::complete() {
  loop_->tasks_.erase(this);
  if (watcher_ != nullptr) watcher_->task_done();
}

bool TaskCore::cancel() {
  if (loop_ == nullptr) {
    throw InvalidStateError("cancel() of a Task that is not scheduled (create_task() it first), or whose loop was closed");
  }
  if (stage_ == Stage::finished) return false;
  if (waiting_on_ != nullptr && waiting_on_->cancel()) return true;  // delivered at the await point
  must_cancel_ = true;  // queued or running: delivered at its next await point (or before it starts)
  return true;
}

bool TaskCore::done() const noexcept { return stage_ == Stage::finished; }
bool TaskCore::cancelled() const noexcept { return stage_ == Stage::finished && cancelled_; }
bool TaskCore::failed() const noexcept { return stage_ == Stage::finished && error_ != nullptr; }
std::exception_ptr TaskCore::error() const noexcept { return error_; }
EventLoop* TaskCore::loop() const noexcept { return loop_; }

void TaskCore::watch(TaskWatcher& watcher) {
  if (watcher_ != nullptr && watcher_ != &watcher) throw InvalidStateError("this Task has a watcher already");
  watcher_ = &watcher;
}

void TaskCore::unwatch(TaskWatcher& watcher) noexcept {
  if (watcher_ == &watcher) watcher_ = nullptr;
}

void TaskCore::leave_loop() noexcept {
  if (waiting_on_ != nullptr) {
    Waiter* const waiter = std::exchange(waiting_on_, nullptr);
    waiter->stop();
    waiter->state_ = Waiter::State::cancelled;
  }
  step_.cancel();
  loop_->tasks_.erase(this);
}

void TaskCore::detach_from_loop() noexcept {
  leave_loop();
  loop_ = nullptr;
}

// ---- run_until_complete ------------------------------------------------------------------------------

void run_until_done(EventLoop& loop, TaskCore& task) {
  task.claim();
  if (task.loop_ == nullptr) {
    task.schedule(loop);
  } else if (task.loop_ != &loop) {
    throw InvalidStateError("run_until_complete() of a Task that is scheduled on another event loop");
  }
  if (task.done()) return;

  // Python: fut.add_done_callback(_run_until_complete_cb), which stops the loop.
  class Stopper final : public TaskWatcher {
   public:
    explicit Stopper(EventLoop& loop) noexcept : loop_(loop) {}
    void task_done() override { loop_.stop(); }
    void task_gone() noexcept override {}

   private:
    EventLoop& loop_;
  } stopper(loop);
  task.watch(stopper);
  try {
    loop.run_forever();
  } catch (...) {
    task.unwatch(stopper);
    throw;
  }
  task.unwatch(stopper);
  if (!task.done()) throw EventLoopError("run_until_complete(): the event loop stopped before the task was done");
}

}  // namespace threadlings::lesson11::detail
