// Helpers shared by lesson 05's tests: an IntervalWaiter the test drives, and a GIL wrapper that
// checks "never two holders" and counts each thread's turns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "gil.hpp"
#include "threadlings/gil_interface.hpp"

namespace lesson05_test {

/// An IntervalWaiter whose waits end when the test says so, never by the clock: the test decides
/// whether each wait "timed out" (the switch interval ran out) or was "woken" (no timeout).
///
/// - Scripted (the default): each wait releases the GIL's mutex and blocks until the test resolves
///   it with resolve_next(); it is not woken by the GIL's notifications (a real wait could also
///   sleep through them: it may end late or early, and take() must cope with either).
/// - Untimed (after stop_scripting(), or from construction): each wait is a plain
///   condition_variable::wait, ended only by a notify (or spuriously): a switch interval that never
///   runs out. A wait in progress when scripting stops ends at once, as "woken".
///
/// started() counts every wait, in both modes, incremented while the GIL's mutex is still held: once
/// wait_until_started(n) returns, the n-th waiter is inside its wait, and a notify cannot be lost.
///
/// @threadsafety Every member function may be called from any thread. Must outlive the Gil using it.
class ScriptedWaiter final : public threadlings::lesson05::IntervalWaiter {
 public:
  enum class Outcome { kTimeout, kWoken };
  enum class Mode { kScripted, kUntimed };

  explicit ScriptedWaiter(Mode mode = Mode::kScripted) : scripted_(mode == Mode::kScripted) {}

  bool wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
            std::chrono::nanoseconds interval) override {
    std::unique_lock own(mutex_);
    const std::size_t number = ++started_;
    last_interval_ = interval;
    changed_.notify_all();
    if (!scripted_) {
      own.unlock();
      cv.wait(lock);  // releases the GIL's mutex atomically: a notify after started() is seen
      return false;
    }
    lock.unlock();  // as a real wait does: the GIL is free for others while this thread waits
    changed_.wait(own, [&] { return outcomes_.size() >= number || !scripted_; });
    const bool timed_out = outcomes_.size() >= number && outcomes_[number - 1] == Outcome::kTimeout;
    own.unlock();
    lock.lock();
    return timed_out;
  }

  /// Decides how the oldest unresolved scripted wait ends (it may not have begun yet).
  void resolve_next(Outcome outcome) {
    const std::scoped_lock own(mutex_);
    outcomes_.push_back(outcome);
    changed_.notify_all();
  }

  /// Switches to untimed waits for good; a scripted wait in progress ends as "woken".
  void stop_scripting() {
    const std::scoped_lock own(mutex_);
    scripted_ = false;
    changed_.notify_all();
  }

  /// Blocks until `count` waits have begun.
  void wait_until_started(std::size_t count) {
    std::unique_lock own(mutex_);
    changed_.wait(own, [&] { return started_ >= count; });
  }

  [[nodiscard]] std::size_t started() const {
    const std::scoped_lock own(mutex_);
    return started_;
  }

  /// The interval the latest wait was given.
  [[nodiscard]] std::chrono::nanoseconds last_interval() const {
    const std::scoped_lock own(mutex_);
    return last_interval_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool scripted_;                        // guarded by mutex_
  std::size_t started_ = 0;              // guarded by mutex_
  std::vector<Outcome> outcomes_;        // guarded by mutex_; outcomes_[n - 1] ends wait number n
  std::chrono::nanoseconds last_interval_{0};  // guarded by mutex_
};

/// Wraps a GIL and watches it: a take() that returns while another thread is between its own take()
/// and drop() is a violation of mutual exclusion; each thread's takes are counted.
/// @threadsafety As the wrapped GIL: any thread, any time.
class CheckingGil final : public threadlings::GilInterface {
 public:
  explicit CheckingGil(threadlings::GilInterface& gil) : gil_(gil) {}

  void take() override {
    gil_.take();
    if (holders_.fetch_add(1) != 0) violations_.fetch_add(1);
    const std::scoped_lock lock(mutex_);
    ++takes_[std::this_thread::get_id()];
    took_.notify_all();
  }
  void drop() override {
    holders_.fetch_sub(1);
    gil_.drop();
  }
  [[nodiscard]] bool drop_requested() const noexcept override { return gil_.drop_requested(); }

  /// How many times two threads held the GIL at once.
  [[nodiscard]] int violations() const { return violations_.load(); }

  /// Waits until `threads` different threads have each taken the GIL at least `times` times; false
  /// when that has not happened within `limit` (a liveness bound, not a timing assertion).
  [[nodiscard]] bool wait_until_each_took(std::size_t threads, int times, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return took_.wait_for(lock, limit, [&] {
      std::size_t enough = 0;
      for (const auto& [thread, count] : takes_) enough += count >= times ? 1U : 0U;
      return enough >= threads;
    });
  }

 private:
  threadlings::GilInterface& gil_;
  std::atomic<int> holders_{0};
  std::atomic<int> violations_{0};
  std::mutex mutex_;
  std::condition_variable took_;
  std::map<std::thread::id, int> takes_;  // guarded by mutex_
};

}  // namespace lesson05_test
