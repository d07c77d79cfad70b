// Lesson 10, pools and futures: make Future, as_completed and wait pass the tests in tests/10_pools_and_futures/.
// Concept: concurrent.futures.Future: one shared state, a lock, a condition and callbacks (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#include "futures.hpp"

#include <chrono>
#include <exception>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace threadlings::lesson10::detail {

namespace {

std::optional<std::chrono::steady_clock::time_point> deadline_after(Timeout timeout) {
  if (!timeout) return std::nullopt;
  if (*timeout < std::chrono::nanoseconds::zero()) throw std::invalid_argument("timeout must be non-negative");
  return std::chrono::steady_clock::now() + *timeout;
}

// Python logs "exception calling callback for <Future ...>" and carries on: one bad callback must not
// stop the others, nor surface in the thread that happened to complete the future.
void run_callback(const std::function<void()>& callback) noexcept {
  try {
    callback();
  } catch (const std::exception& error) {
    std::cerr << "exception calling callback for future: " << error.what() << '\n';
  } catch (...) {
    std::cerr << "exception calling callback for future: unknown exception\n";
  }
}

}  // namespace

// Only a pending future can be cancelled: once a worker has called set_running_or_notify_cancel() the
// task is under way and nothing can take it back (Python behaves the same).
bool FutureCore::cancel() {
  std::unique_lock lock(mutex_);
  if (status_ == Status::running || status_ == Status::finished) return false;
  if (status_ == Status::cancelled) return true;
  status_ = Status::cancelled;
  complete_locked(lock);
  return true;
}

bool FutureCore::cancelled() const {
  const std::lock_guard lock(mutex_);
  return status_ == Status::cancelled;
}

bool FutureCore::running() const {
  const std::lock_guard lock(mutex_);
  return status_ == Status::running;
}

bool FutureCore::done() const {
  const std::lock_guard lock(mutex_);
  return status_ == Status::cancelled || status_ == Status::finished;
}

bool FutureCore::failed() const {
  const std::lock_guard lock(mutex_);
  return status_ == Status::finished && error_ != nullptr;
}

bool FutureCore::set_running_or_notify_cancel() {
  const std::lock_guard lock(mutex_);
  if (status_ == Status::cancelled) return false;
  if (status_ != Status::pending) throw InvalidStateError("set_running_or_notify_cancel() on a future that is not pending");
  status_ = Status::running;
  return true;
}

// The value is stored under the same lock that publishes "finished": a reader that saw done() sees it.
void FutureCore::finish(const std::function<void()>& store_value, std::exception_ptr error) {
  std::unique_lock lock(mutex_);
  if (status_ == Status::cancelled || status_ == Status::finished) {
    throw InvalidStateError("set_result()/set_exception() on a future that is already done");
  }
  if (store_value) store_value();
  error_ = std::move(error);
  status_ = Status::finished;
  complete_locked(lock);
}

// The callbacks are moved out under the same lock that made the future done, so a concurrent
// add_done_callback() either lands in this list or sees "done" and runs its callback itself: exactly once.
void FutureCore::complete_locked(std::unique_lock<std::mutex>& lock) {
  std::vector<std::function<void()>> callbacks = std::move(callbacks_);
  callbacks_.clear();
  for (CompletionWaiter* waiter : waiters_) waiter->notify(this);
  waiters_.clear();
  lock.unlock();
  changed_.notify_all();
  for (const auto& callback : callbacks) run_callback(callback);  // no lock held: a callback may use the future
}

void FutureCore::wait_done(Timeout timeout) const {
  const auto deadline = deadline_after(timeout);
  std::unique_lock lock(mutex_);
  const auto is_done = [this] { return status_ == Status::cancelled || status_ == Status::finished; };
  if (!deadline) {
    changed_.wait(lock, is_done);
  } else if (!changed_.wait_until(lock, *deadline, is_done)) {
    throw TimeoutError("future not done within the timeout");
  }
}

std::exception_ptr FutureCore::exception(Timeout timeout) const {
  wait_done(timeout);
  const std::lock_guard lock(mutex_);
  if (status_ == Status::cancelled) throw CancelledError("the future was cancelled");
  return error_;
}

void FutureCore::rethrow_if_failed(Timeout timeout) const {
  if (std::exception_ptr error = exception(timeout)) std::rethrow_exception(error);
}

void FutureCore::add_done_callback(std::function<void()> callback) {
  {
    const std::lock_guard lock(mutex_);
    if (status_ != Status::cancelled && status_ != Status::finished) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  run_callback(callback);  // done already: run it now, in the caller's thread, without the lock
}

bool FutureCore::add_waiter(CompletionWaiter* waiter) {
  const std::lock_guard lock(mutex_);
  if (status_ == Status::cancelled || status_ == Status::finished) return false;
  waiters_.push_back(waiter);
  return true;
}

void FutureCore::remove_waiter(CompletionWaiter* waiter) {
  const std::lock_guard lock(mutex_);
  std::erase(waiters_, waiter);
}

void FutureCore::run() {
  if (!set_running_or_notify_cancel()) return;  // cancelled while queued: skip the task
  try {
    invoke();
  } catch (...) {
    finish({}, std::current_exception());
  }
}

void FutureCore::invoke() { throw std::logic_error("run() on a future that has no task"); }

CompletionWaiter::CompletionWaiter(const std::vector<FutureCore*>& futures, Timeout timeout)
    : futures_(futures), deadline_(deadline_after(timeout)) {
  // First the whole index, then the registrations: a future registered early may complete and call
  // notify(), which reads index_, while later ones are still being registered.
  std::vector<std::size_t> firsts;
  for (std::size_t i = 0; i < futures_.size(); ++i) {
    if (index_.emplace(futures_[i], i).second) firsts.push_back(i);  // listed twice: watch it once
  }
  unique_ = firsts.size();
  for (const std::size_t i : firsts) {
    if (futures_[i]->add_waiter(this)) {
      registered_.push_back(futures_[i]);
    } else {
      const std::lock_guard lock(mutex_);
      completed_.push_back(i);  // done already: comes first, in input order
    }
  }
}

CompletionWaiter::~CompletionWaiter() {
  for (FutureCore* future : registered_) future->remove_waiter(this);
}

void CompletionWaiter::notify(FutureCore* future) {
  {
    const std::lock_guard lock(mutex_);
    completed_.push_back(index_.at(future));
  }
  completed_cv_.notify_one();
}

std::optional<std::size_t> CompletionWaiter::next() {
  if (returned_ == unique_) return std::nullopt;
  std::unique_lock lock(mutex_);
  const auto ready = [this] { return completed_head_ < completed_.size(); };
  if (!deadline_) {
    completed_cv_.wait(lock, ready);
  } else if (!completed_cv_.wait_until(lock, *deadline_, ready)) {
    throw TimeoutError(std::to_string(unique_ - returned_) + " (of " + std::to_string(unique_) +
                       ") futures unfinished");
  }
  ++returned_;
  return completed_[completed_head_++];
}

std::vector<bool> wait_for(const std::vector<FutureCore*>& futures, Timeout timeout, ReturnWhen return_when) {
  {
    CompletionWaiter waiter(futures, timeout);
    try {
      while (const std::optional<std::size_t> index = waiter.next()) {
        if (return_when == ReturnWhen::first_completed) break;
        if (return_when == ReturnWhen::first_exception && futures[*index]->failed()) break;
      }
    } catch (const TimeoutError&) {
      // wait() reports a timeout by what it returns, not by an exception
    }
  }
  std::vector<bool> result;
  result.reserve(futures.size());
  for (FutureCore* future : futures) result.push_back(future->done());
  return result;
}

}  // namespace threadlings::lesson10::detail
