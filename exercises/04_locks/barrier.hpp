// Lesson 04, locks: make Barrier pass the tests in tests/04_locks/barrier_test.cpp.
// Concept: a reusable barrier is a count and a state machine (filling, acting, draining, resetting, broken).
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>

#include "errors.hpp"

namespace threadlings::lesson04 {

/// Python's `threading.Barrier(parties, action)`: `parties` threads call wait(); each blocks until the
/// last one arrives; then `action` runs once, and all of them go on. The barrier is reusable: the
/// same threads may meet at it again, phase after phase.
///
/// ```cpp
/// Barrier step(3, [] { swap_buffers(); });    // runs once per phase, before anyone leaves
/// // in each of 3 threads:
/// for (;;) { compute_my_part(); step.wait(); }
/// ```
///
/// - wait() returns a different index 0..parties-1 to each thread of a phase (arrival order: the last
///   to arrive gets parties-1 and runs the action).
/// - The action runs exactly once per phase, on the thread that arrived last, after every party has
///   arrived and before any is released. It runs without the barrier's lock held (C++ Core Guidelines
///   CP.22), so it may call parties(), n_waiting(), broken(), or even abort().
/// - A thread that comes back for the next phase while the others are still leaving this one waits until
///   they have left (so it can not be counted twice, or pass the next phase alone).
/// - The barrier breaks, and every waiting thread throws BrokenBarrierError, when: abort() is called;
///   a wait(timeout) times out; the action throws (the thread that ran it gets the action's exception).
///   A broken barrier makes every later wait() throw too, until reset().
/// - reset() makes the threads waiting now throw BrokenBarrierError, and returns the barrier to its
///   empty, unbroken state (as soon as those threads have left).
///
/// @threadsafety Every member function may be called from any thread at any time. The action must not
/// call wait() (it would wait for itself).
class Barrier {
 public:
  using Action = std::function<void()>;

  /// `threading.Barrier(parties, action)`. Throws ValueError("parties must be >= 1") for 0 parties.
  explicit Barrier(std::size_t parties, Action action = {});
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Blocks until `parties` threads have called wait() in this phase; returns this thread's index.
  /// Throws BrokenBarrierError when the barrier is or becomes broken, or is reset while waiting; the
  /// thread that runs a throwing action gets that action's exception instead.
  std::size_t wait();
  /// As wait(), but when `timeout` passes first (negative: treated as zero) the barrier breaks and this
  /// call throws BrokenBarrierError, as do the others waiting (Python's `wait(timeout)`).
  std::size_t wait(std::chrono::nanoseconds timeout);

  /// Wakes the threads waiting now with BrokenBarrierError, then returns the barrier to its initial
  /// state, not broken. Does not block (beyond a short lock).
  void reset();
  /// Breaks the barrier: every thread waiting now, and every later wait() until reset(), throws
  /// BrokenBarrierError. Does not block (beyond a short lock).
  void abort();

  /// The number of threads needed to pass the barrier.
  [[nodiscard]] std::size_t parties() const noexcept;
  /// The number of threads waiting for the current phase to fill (0 once the last one has arrived).
  [[nodiscard]] std::size_t n_waiting() const;
  /// True when the barrier is broken.
  [[nodiscard]] bool broken() const;

 private:
  // TODO: these members and helpers are enough; the helpers are a suggested split of wait(), declared here
  // so that your barrier.cpp can define them (or leave them unused and write wait_until() in one piece).
  /// What a phase is doing; CPython's threading.Barrier has the same states but runs the action under
  /// its lock (there is no "acting").
  enum class State {
    filling,    // threads arrive and wait
    acting,     // the last one arrived and runs the action, without the lock
    draining,   // released: the threads of this phase are leaving; newcomers wait
    resetting,  // reset() while threads waited: they leave with BrokenBarrierError; newcomers wait
    broken,     // every wait() throws until reset()
  };
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;

  /// wait() and wait(timeout): nullopt waits without a limit.
  std::size_t wait_until(Deadline deadline);
  /// The last arrival's part: runs the action without the lock, then releases the phase (or breaks it
  /// when the action threw). Requires: `lock` holds mutex_.
  void release_phase(std::unique_lock<std::mutex>& lock);
  /// The other arrivals' part: waits until the phase is released, broken or reset; breaks it when the
  /// deadline passes. Requires: `lock` holds mutex_.
  void wait_for_release(std::unique_lock<std::mutex>& lock, Deadline deadline);
  /// Every thread that was counted calls this once on its way out of wait(), also when it throws.
  /// Requires: mutex_ held.
  void leave();
  /// Breaks the barrier and wakes every thread. Requires: mutex_ held.
  void break_barrier();

  const std::size_t parties_;
  const Action action_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // notified (all) on every change of state_, and when count_ hits 0
  State state_ = State::filling;     // guarded by mutex_
  std::size_t count_ = 0;            // guarded by mutex_; threads inside wait() of the current phase
};

}  // namespace threadlings::lesson04
