// Lesson 11, async/await: make sleep, readable/writable, to_thread and wait_for pass the tests in tests/11_async_await/.
// Concept: what a task can wait for: a timer, a descriptor, a thread, a deadline (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "awaitables.hpp"

#include <string>
#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson11 {

// TODO: a timer that wakes this await point: timer_ = loop().call_later(delay_, a lambda calling
// wake()); a delay <= 0 uses call_soon instead (sleep(0) yields to what is ready now).
void Sleep::start() {
  throw NotImplemented("Sleep::start — see lesson 11");
}

// TODO: cancel the timer (else it would wake a Waiter that no longer exists).
void Sleep::stop() noexcept {}

// TODO: if the loop already has a reader (writer) for fd_, throw InvalidStateError: a second waiter
// would replace the first. Else add_reader (add_writer) with a callback that stop()s watching (epoll is
// level-triggered: it would report the descriptor again and again) and wake()s the task.
void FdWait::start() {
  throw NotImplemented("FdWait::start — see lesson 11");
}

// TODO: remove_reader (remove_writer) of fd_, inside a try (stop() must not throw).
void FdWait::stop() noexcept {}

namespace detail {

// TODO: link_ = a shared std::shared_ptr<ThreadWait*> pointing at this. loop().run_in_thread(work_,
// done) where done (on the loop's thread) takes the pointer out of the link: null means the task
// stopped waiting, so do nothing; else keep the exception in error_ and wake().
void ThreadWait::start() {
  throw NotImplemented("ThreadWait::start — see lesson 11");
}

// TODO: cut the link (*link_ = nullptr), if there is one: the thread's result then finds nobody.
void ThreadWait::stop() noexcept {}

// TODO: Waiter::await_resume(), then rethrow error_ if there is one.
void ThreadWait::await_resume() {
  throw NotImplemented("ThreadWait::await_resume — see lesson 11");
}

// TODO: task_ = TaskCore::current() (none: EventLoopError); timer_ = a call_later(timeout) on the
// running loop whose callback sets expired_ and cancels task_.
Deadline::Deadline(Duration timeout) {
  throw NotImplemented("Deadline::Deadline — see lesson 11");
}

// TODO: cancel the timer.
Deadline::~Deadline() {}

}  // namespace detail

}  // namespace threadlings::lesson11
