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

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson10::detail {

namespace {

// Provided: the deadline of a Timeout (nothing for "wait for ever"); a negative one throws.
[[maybe_unused]] std::optional<std::chrono::steady_clock::time_point> deadline_after(Timeout timeout) {
  if (!timeout) return std::nullopt;
  if (*timeout < std::chrono::nanoseconds::zero()) throw std::invalid_argument("timeout must be non-negative");
  return std::chrono::steady_clock::now() + *timeout;
}

// Provided: runs one callback the way Python does, logging what it throws instead of propagating it.
[[maybe_unused]] void run_callback(const std::function<void()>& callback) noexcept {
  try {
    callback();
  } catch (const std::exception& error) {
    std::cerr << "exception calling callback for future: " << error.what() << '\n';
  } catch (...) {
    std::cerr << "exception calling callback for future: unknown exception\n";
  }
}

}  // namespace

// TODO: under mutex_: running or finished -> false; cancelled -> true; pending -> set
// Status::cancelled, then complete_locked(lock) (it wakes everyone and runs the callbacks) and true.
bool FutureCore::cancel() {
  throw NotImplemented("FutureCore::cancel — see lesson 10");
}

// TODO: each reads status_ under mutex_ (done = cancelled or finished).
bool FutureCore::cancelled() const {
  throw NotImplemented("FutureCore::cancelled — see lesson 10");
}

bool FutureCore::running() const {
  throw NotImplemented("FutureCore::running — see lesson 10");
}

bool FutureCore::done() const {
  throw NotImplemented("FutureCore::done — see lesson 10");
}

// TODO: finished and error_ is not null.
bool FutureCore::failed() const {
  throw NotImplemented("FutureCore::failed — see lesson 10");
}

// TODO: under mutex_: cancelled -> false; pending -> running, true; else InvalidStateError.
bool FutureCore::set_running_or_notify_cancel() {
  throw NotImplemented("FutureCore::set_running_or_notify_cancel — see lesson 10");
}

// TODO: under mutex_: already done -> InvalidStateError. Else call store_value (if not
// empty), keep `error`, set Status::finished, then complete_locked(lock).
void FutureCore::finish(const std::function<void()>& store_value, std::exception_ptr error) {
  throw NotImplemented("FutureCore::finish — see lesson 10");
}

// TODO: with `lock` held: move callbacks_ into a local vector, call notify(this) on every
// waiter and clear waiters_; then unlock, notify_all on changed_, and run each callback with
// run_callback(). Why the move under the lock: add_done_callback() must either land in the list or
// see "done", never both (twice) and never neither (never).
void FutureCore::complete_locked(std::unique_lock<std::mutex>& lock) {
  throw NotImplemented("FutureCore::complete_locked — see lesson 10");
}

// TODO: wait on changed_ until done; with a deadline (deadline_after), wait_until and throw
// TimeoutError if it is still not done.
void FutureCore::wait_done(Timeout timeout) const {
  throw NotImplemented("FutureCore::wait_done — see lesson 10");
}

// TODO: wait_done(timeout); then, under mutex_, CancelledError if cancelled, else error_.
std::exception_ptr FutureCore::exception(Timeout timeout) const {
  throw NotImplemented("FutureCore::exception — see lesson 10");
}

// TODO: exception(timeout), and std::rethrow_exception it when it is not null.
void FutureCore::rethrow_if_failed(Timeout timeout) const {
  throw NotImplemented("FutureCore::rethrow_if_failed — see lesson 10");
}

// TODO: under mutex_: not done -> push_back and return. Done -> release the lock and run it
// at once with run_callback().
void FutureCore::add_done_callback(std::function<void()> callback) {
  throw NotImplemented("FutureCore::add_done_callback — see lesson 10");
}

// TODO: under mutex_: done -> false; else push_back into waiters_, true.
bool FutureCore::add_waiter(CompletionWaiter* waiter) {
  throw NotImplemented("FutureCore::add_waiter — see lesson 10");
}

// TODO: under mutex_, std::erase it from waiters_.
void FutureCore::remove_waiter(CompletionWaiter* waiter) {
  throw NotImplemented("FutureCore::remove_waiter — see lesson 10");
}

// TODO: if set_running_or_notify_cancel() is false, return (cancelled). Else invoke(); if it
// throws, finish({}, std::current_exception()).
void FutureCore::run() {
  throw NotImplemented("FutureCore::run — see lesson 10");
}

// Provided: a bare future has no task.
void FutureCore::invoke() { throw std::logic_error("run() on a future that has no task"); }

// TODO: deadline_ = deadline_after(timeout) (in the init list). First fill index_ completely
// (emplace(future, i) fails for a future listed twice: skip it) and count unique_: notify() reads
// index_ from other threads as soon as one future is registered. Then for each first occurrence i:
// add_waiter(this) true -> remember it in registered_, false (done already) -> push i into
// completed_ under mutex_.
CompletionWaiter::CompletionWaiter(const std::vector<FutureCore*>& futures, Timeout timeout) : futures_(futures) {
  throw NotImplemented("CompletionWaiter::CompletionWaiter — see lesson 10");
}

// TODO: remove_waiter(this) from every future in registered_.
CompletionWaiter::~CompletionWaiter() {}

// TODO: under mutex_, push index_.at(future) into completed_; then notify completed_cv_.
void CompletionWaiter::notify(FutureCore* future) {
  throw NotImplemented("CompletionWaiter::notify — see lesson 10");
}

// TODO: all unique_ returned -> nothing. Else wait (until deadline_, if any: TimeoutError)
// for completed_head_ < completed_.size(); count it in returned_ and return completed_[completed_head_++].
std::optional<std::size_t> CompletionWaiter::next() {
  throw NotImplemented("CompletionWaiter::next — see lesson 10");
}

// TODO: a CompletionWaiter over `futures`; call next() until it returns nothing, stopping
// early for first_completed (any) or first_exception (futures[index]->failed()); a TimeoutError
// just ends the waiting. Destroy the waiter, then return futures[i]->done() for each i.
std::vector<bool> wait_for(const std::vector<FutureCore*>& futures, Timeout timeout, ReturnWhen return_when) {
  throw NotImplemented("wait_for — see lesson 10");
}

}  // namespace threadlings::lesson10::detail
