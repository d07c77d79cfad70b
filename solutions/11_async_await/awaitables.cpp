// Lesson 11, async/await: make sleep, readable/writable, to_thread and wait_for pass the tests in tests/11_async_await/.
// Concept: what a task can wait for: a timer, a descriptor, a thread, a deadline (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "awaitables.hpp"

#include <string>
#include <utility>

namespace threadlings::lesson11 {

// A timer whose callback wakes this await point. sleep(0) goes through the ready queue instead, so
// that it yields after everything that is ready now (Python: `await asyncio.sleep(0)`).
void Sleep::start() {
  if (delay_ > Duration::zero()) {
    timer_ = loop().call_later(delay_, [this] { wake(); });
  } else {
    timer_ = loop().call_soon([this] { wake(); });
  }
}

// Cancelled: the timer must go, or its callback would later wake a Waiter that no longer exists.
void Sleep::stop() noexcept { timer_.cancel(); }

// One waiter per descriptor and direction: the loop keeps one callback each (add_reader replaces the
// old one), and a replaced waiter would wait for ever.
void FdWait::start() {
  EventLoop& events = loop();
  if (writing_ ? events.has_writer(fd_) : events.has_reader(fd_)) {
    throw InvalidStateError(std::string(writing_ ? "writable(" : "readable(") + std::to_string(fd_) +
                            "): another task already waits for this descriptor");
  }
  // Ready once is enough: stop watching (level-triggered epoll would report it again and again until
  // the task has read), then wake the task.
  auto on_ready = [this] {
    stop();
    wake();
  };
  if (writing_) {
    events.add_writer(fd_, std::move(on_ready));
  } else {
    events.add_reader(fd_, std::move(on_ready));
  }
}

void FdWait::stop() noexcept {
  try {
    if (writing_) {
      (void)loop().remove_writer(fd_);
    } else {
      (void)loop().remove_reader(fd_);
    }
  } catch (...) {
    // Only a call from a thread that is not the loop's can throw here, and that is a misuse already
    // reported elsewhere; stop() must not throw.
  }
}

namespace detail {

// The worker reports back through call_soon_threadsafe (inside run_in_thread): `done` runs on the
// loop's thread, so the task resumes there. The link lets a cancelled await point vanish first.
void ThreadWait::start() {
  auto link = std::make_shared<ThreadWait*>(this);
  link_ = link;
  loop().run_in_thread(std::move(work_), [link](std::exception_ptr error) {
    ThreadWait* const self = std::exchange(*link, nullptr);
    if (self == nullptr) return;  // the task stopped waiting (cancelled, or its frame destroyed)
    self->error_ = std::move(error);
    self->wake();
  });
}

void ThreadWait::stop() noexcept {
  if (link_) *link_ = nullptr;
}

void ThreadWait::await_resume() {
  Waiter::await_resume();
  if (error_) std::rethrow_exception(error_);
}

Deadline::Deadline(Duration timeout) : task_(TaskCore::current()) {
  if (task_ == nullptr) throw EventLoopError("wait_for() outside a task");
  timer_ = get_running_loop().call_later(timeout, [this] {
    expired_ = true;
    task_->cancel();
  });
}

Deadline::~Deadline() { timer_.cancel(); }

}  // namespace detail

}  // namespace threadlings::lesson11
