// Lesson 04, locks: make Barrier pass the tests in tests/04_locks/barrier_test.cpp.
// Concept: a reusable barrier is a count and a state machine (filling, acting, draining, resetting, broken).
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "barrier.hpp"

#include <algorithm>
#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson04 {

// TODO: throw ValueError("Barrier: parties must be >= 1") for zero parties.
Barrier::Barrier(std::size_t parties, Action action) : parties_(parties), action_(std::move(action)) {}

// Done for you: both waits share wait_until(); nullopt means no time limit.
std::size_t Barrier::wait() { return wait_until(std::nullopt); }

std::size_t Barrier::wait(std::chrono::nanoseconds timeout) {
  return wait_until(std::chrono::steady_clock::now() + std::max(timeout, std::chrono::nanoseconds::zero()));
}

// TODO: under mutex_: wait at the entrance while the previous phase drains or a reset finishes; throw
// BrokenBarrierError when broken; take index = count_++. The last arrival (index + 1 == parties_) runs
// release_phase(); the others wait_for_release(). Every counted thread calls leave() on its way out, also
// when it throws. Return the index.
std::size_t Barrier::wait_until(Deadline deadline) { throw NotImplemented("Barrier::wait — see lesson 04"); }

// TODO: state_ = acting; run the action WITHOUT the lock (CP.22); relock. If it threw: break the barrier and
// rethrow. If abort() or reset() happened meanwhile (state_ is no longer acting): throw BrokenBarrierError.
// Otherwise state_ = draining, and wake everyone.
void Barrier::release_phase(std::unique_lock<std::mutex>& lock) {
  throw NotImplemented("Barrier::release_phase — see lesson 04");
}

// TODO: wait (until the deadline, if any) for the state to leave filling and acting. Timed out: break the
// barrier and throw. Broken or resetting: throw BrokenBarrierError. Draining: released, return.
void Barrier::wait_for_release(std::unique_lock<std::mutex>& lock, Deadline deadline) {
  throw NotImplemented("Barrier::wait_for_release — see lesson 04");
}

// TODO: count_ - 1; the last thread out of a draining or resetting phase sets filling and wakes everyone.
void Barrier::leave() { throw NotImplemented("Barrier::leave — see lesson 04"); }

// TODO: state_ = broken, and wake everyone.
void Barrier::break_barrier() { throw NotImplemented("Barrier::break_barrier — see lesson 04"); }

// TODO: with threads inside wait(), a filling, acting or broken barrier becomes resetting (the last one out
// makes it filling); with nobody inside, it is filling at once. Wake everyone either way.
void Barrier::reset() { throw NotImplemented("Barrier::reset — see lesson 04"); }

// TODO: break the barrier, under the lock.
void Barrier::abort() { throw NotImplemented("Barrier::abort — see lesson 04"); }

// TODO: return parties_ (this stub's 0 is wrong on purpose: a noexcept function can not throw).
std::size_t Barrier::parties() const noexcept { return 0; }

// TODO: count_ while filling, else 0 (under the lock).
std::size_t Barrier::n_waiting() const { throw NotImplemented("Barrier::n_waiting — see lesson 04"); }

// TODO: whether state_ is broken (under the lock).
bool Barrier::broken() const { throw NotImplemented("Barrier::broken — see lesson 04"); }

}  // namespace threadlings::lesson04
