// Lesson 05, the GIL: make Gil pass the tests in tests/05_the_gil/gil_test.cpp.
// Concept: CPython's switch interval, drop request and forced switching (lessons/05_the_gil/README.md).
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "threadlings/gil_interface.hpp"

namespace threadlings::lesson05 {

/// A misuse of the GIL: taking it twice from one thread, or dropping it without holding it.
/// CPython ends the process for these (Py_FatalError("drop_gil: GIL is not locked")); here they
/// throw, with a message that names the misuse. A programming error, hence a std::logic_error.
class GilError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// How a thread that wants the GIL waits for it, one switch interval at a time: the seam through
/// which tests decide when a wait "times out".
///
/// Gil::take() calls wait() with the GIL's own mutex locked (through `lock`) and its condition
/// variable `cv`, exactly where CPython calls COND_TIMED_WAIT. An implementation must:
/// - return with `lock` locked again (it may unlock it meanwhile, as condition_variable::wait does);
/// - return true when the wait ended because `interval` ran out, false when it ended any other way
///   (a notify, a spurious wake-up). Returning early is always allowed: take() re-checks the GIL's
///   state after every wait, so a wait may end for no reason at all.
///
/// @threadsafety Called by many waiting threads at once, each with the same `lock`'s mutex.
class IntervalWaiter {
 public:
  virtual ~IntervalWaiter() = default;
  /// Waits on `cv` for at most `interval`; true means "the interval ran out".
  virtual bool wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    std::chrono::nanoseconds interval) = 0;

 protected:
  IntervalWaiter() = default;
  IntervalWaiter(const IntervalWaiter&) = default;
  IntervalWaiter& operator=(const IntervalWaiter&) = default;
};

/// The real waiter: condition_variable::wait_for with the switch interval, on the steady clock.
/// @threadsafety Stateless: safe from any number of threads.
class SystemIntervalWaiter final : public IntervalWaiter {
 public:
  bool wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
            std::chrono::nanoseconds interval) override;
};

/// CPython's global interpreter lock, the "new GIL" of Python 3.2 and later (Python/ceval_gil.c).
///
/// ```cpp
/// Gil gil;                                   // switch interval 5 ms, like sys.getswitchinterval()
/// vm::Interpreter interpreter(gil);
/// std::thread a([&] { interpreter.run(vm::countdown(n)); });
/// std::thread b([&] { interpreter.run(vm::countdown(n)); });   // a and b take turns
/// ```
///
/// - take(): while another thread holds the GIL, wait one switch interval at a time. When a wait
///   times out and the GIL has not changed hands since it began, set the drop request. Once free,
///   take it; count a switch when the holder changed; wake the thread that dropped it (forced
///   switching); clear the drop request.
/// - The holder polls drop_requested() (the VM does, at every back-edge) and answers with drop()
///   then take().
/// - drop(): mark the GIL free and wake one waiter. When a drop was requested, wait until another
///   thread has really taken the GIL, so that the dropping thread cannot take it straight back.
///
/// @threadsafety Every member function is safe to call from any thread at any time. The Gil must
/// not be destroyed while a thread holds it or waits for it; the IntervalWaiter must outlive it.
class Gil final : public GilInterface {
 public:
  /// CPython's default switch interval (sys.getswitchinterval() == 0.005).
  static constexpr std::chrono::nanoseconds kDefaultSwitchInterval = std::chrono::milliseconds(5);

  /// A free GIL that waits with SystemIntervalWaiter.
  Gil();
  /// A free GIL whose takers wait through `waiter` (tests use one they control).
  explicit Gil(IntervalWaiter& waiter);

  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

  /// Takes the GIL for the calling thread, waiting while another thread holds it.
  /// Blocks: yes; after each switch interval without a hand-off it asks the holder to drop.
  /// Requires: the caller does not hold the GIL (taking it twice throws GilError: the thread would
  /// wait for itself forever).
  void take() override;

  /// Releases the calling thread's hold and wakes one waiting taker.
  /// Blocks: only when a drop was requested, until another thread has taken the GIL (forced
  /// switching).
  /// Requires: the caller holds the GIL (otherwise throws GilError, and nothing changes).
  void drop() override;

  /// True when a waiting thread has asked the holder to drop the GIL (CPython's gil_drop_request,
  /// read through the eval breaker). Never blocks.
  [[nodiscard]] bool drop_requested() const noexcept override;

  /// sys.setswitchinterval(): how long a taker waits before it asks the holder to drop. Applies to
  /// waits that begin afterwards. Throws std::invalid_argument when `interval` is not positive
  /// (Python raises ValueError).
  void set_switch_interval(std::chrono::nanoseconds interval);
  /// sys.getswitchinterval().
  [[nodiscard]] std::chrono::nanoseconds switch_interval() const;

  /// How many times the GIL has passed to a different thread than its previous holder.
  [[nodiscard]] std::uint64_t switch_number() const;
  /// True when the calling thread holds the GIL (PyGILState_Check()).
  [[nodiscard]] bool held_by_current_thread() const;
  /// True when some thread holds the GIL.
  [[nodiscard]] bool locked() const;

 private:
  // TODO: nothing to add here: these are CPython's fields (struct _gil_runtime_state). Read the
  // comment on each one; gil.cpp is where the work is.
  IntervalWaiter* waiter_;
  mutable std::mutex mutex_;                        // CPython's gil->mutex
  std::condition_variable cond_;                    // gil->cond: notified when the GIL becomes free
  bool locked_ = false;                             // guarded by mutex_
  std::thread::id last_holder_;                     // written holding mutex_ and switch_mutex_; read holding either
  std::uint64_t switch_number_ = 0;                 // guarded by mutex_
  std::chrono::nanoseconds interval_ = kDefaultSwitchInterval;  // guarded by mutex_
  std::atomic<bool> drop_request_{false};           // gil_drop_request: read by the holder without a lock
  std::mutex switch_mutex_;                         // gil->switch_mutex (forced switching)
  std::condition_variable switch_cond_;             // gil->switch_cond: notified when a taker has the GIL
};

}  // namespace threadlings::lesson05
