// Lesson 04, locks: make Barrier pass the tests in tests/04_locks/barrier_test.cpp.
// Concept: a reusable barrier is a count and a state machine (filling, acting, draining, resetting, broken).
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "barrier.hpp"

#include <algorithm>
#include <utility>

namespace threadlings::lesson04 {

Barrier::Barrier(std::size_t parties, Action action) : parties_(parties), action_(std::move(action)) {
  if (parties == 0) throw ValueError("Barrier: parties must be >= 1");
}

std::size_t Barrier::wait() { return wait_until(std::nullopt); }

std::size_t Barrier::wait(std::chrono::nanoseconds timeout) {
  return wait_until(std::chrono::steady_clock::now() + std::max(timeout, std::chrono::nanoseconds::zero()));
}

std::size_t Barrier::wait_until(Deadline deadline) {
  std::unique_lock lock(mutex_);
  // A thread back early for the next phase waits until this one has drained (or a reset has finished):
  // otherwise it would be counted while the others are still leaving, and could pass the next phase alone.
  changed_.wait(lock, [this] { return state_ == State::filling || state_ == State::broken; });
  if (state_ == State::broken) throw BrokenBarrierError("Barrier.wait: the barrier is broken");
  const std::size_t index = count_++;  // arrival order: 0 .. parties-1, fresh in every phase
  try {
    if (index + 1 == parties_) {
      release_phase(lock);  // the last to arrive runs the action and lets everyone go
    } else {
      wait_for_release(lock, deadline);
    }
  } catch (...) {
    leave();  // counted threads always leave, or the phase would never drain
    throw;
  }
  leave();
  return index;
}

void Barrier::release_phase(std::unique_lock<std::mutex>& lock) {
  if (action_) {
    state_ = State::acting;  // the others keep waiting; newcomers wait too
    lock.unlock();           // CP.22: no unknown code under our lock (the action may call n_waiting())
    try {
      action_();
    } catch (...) {
      lock.lock();
      break_barrier();  // Python: the action failed, so the phase did not complete
      throw;            // this thread gets the action's exception; the others get BrokenBarrierError
    }
    lock.lock();
    // abort() or reset() while the action ran: the phase is not released after all.
    if (state_ != State::acting) throw BrokenBarrierError("Barrier.wait: the barrier was broken during the action");
  }
  state_ = State::draining;
  changed_.notify_all();  // every waiter of this phase, at once
}

void Barrier::wait_for_release(std::unique_lock<std::mutex>& lock, Deadline deadline) {
  const auto phase_over = [this] { return state_ != State::filling && state_ != State::acting; };
  if (!deadline) {
    changed_.wait(lock, phase_over);
  } else if (!changed_.wait_until(lock, *deadline, phase_over)) {
    break_barrier();  // Python: a wait that times out breaks the barrier for everyone
    throw BrokenBarrierError("Barrier.wait: timed out");
  }
  if (state_ == State::broken) throw BrokenBarrierError("Barrier.wait: the barrier was broken");
  if (state_ == State::resetting) throw BrokenBarrierError("Barrier.wait: the barrier was reset");
  // state_ == State::draining: released.
}

void Barrier::leave() {
  --count_;
  // The last thread out of a released (or reset) phase opens the barrier for the next one.
  if (count_ == 0 && (state_ == State::draining || state_ == State::resetting)) {
    state_ = State::filling;
    changed_.notify_all();  // wakes newcomers held at the entrance
  }
}

void Barrier::break_barrier() {
  state_ = State::broken;
  changed_.notify_all();
}

void Barrier::reset() {
  const std::scoped_lock lock(mutex_);
  if (count_ > 0) {
    // Threads are inside wait(): those still waiting throw; the last one out sets the state to filling.
    if (state_ == State::filling || state_ == State::acting || state_ == State::broken) state_ = State::resetting;
  } else {
    state_ = State::filling;
  }
  changed_.notify_all();
}

void Barrier::abort() {
  const std::scoped_lock lock(mutex_);
  break_barrier();
}

std::size_t Barrier::parties() const noexcept { return parties_; }

std::size_t Barrier::n_waiting() const {
  const std::scoped_lock lock(mutex_);
  return state_ == State::filling ? count_ : 0;
}

bool Barrier::broken() const {
  const std::scoped_lock lock(mutex_);
  return state_ == State::broken;
}

}  // namespace threadlings::lesson04
