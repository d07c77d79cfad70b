// Lesson 04, locks: the errors this lesson's classes throw, named after the Python exceptions they mirror.
// Concept: a misuse throws a documented type whose message names the misuse (lessons/04_locks/README.md).
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <stdexcept>

/// Lesson 04: races, and Python's synchronization primitives built on a mutex and condition variables.
namespace threadlings::lesson04 {

// TODO: nothing to write in this file. Read why each type has the base it has: a test that expects one of
// them must fail against an unfinished stub, which throws threadlings::NotImplemented (a std::logic_error).

/// Python's `threading.ThreadError`, which is `RuntimeError`: releasing a lock the caller does not hold
/// ("cannot release un-acquired lock"). A bug in the caller, hence a std::logic_error.
class ThreadError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Python's `ValueError`: an argument no call may have (a negative semaphore value, a barrier of zero
/// parties, a transfer to the same account) and a BoundedSemaphore released above its initial value
/// ("Semaphore released too many times").
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Python's `threading.BrokenBarrierError`: the barrier was aborted, reset while the thread waited, a
/// wait timed out, or the action threw. Another thread's doing, not a bug of the caller: a std::runtime_error.
class BrokenBarrierError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace threadlings::lesson04
