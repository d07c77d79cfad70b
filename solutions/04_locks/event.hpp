// Lesson 04, locks: make Event pass the tests in tests/04_locks/event_test.cpp.
// Concept: a flag guarded by a mutex plus a condition variable; wait with a predicate, notify every waiter.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace threadlings::lesson04 {

/// Python's `threading.Event`: a flag that threads wait for. set() raises it and wakes every waiter;
/// clear() lowers it; wait() blocks while it is down.
///
/// ```cpp
/// Event ready;
/// std::jthread worker([&] { ready.wait(); go(); });   // blocks until...
/// prepare(); ready.set();                              // ...this wakes it (and every other waiter)
/// ```
///
/// As in Python, a waiter that was blocked when set() was called returns true even if clear() came
/// before it woke up: the wake-up belongs to the set(), not to the flag's value at the moment the waiter
/// runs again.
///
/// @threadsafety Every member function may be called from any thread at any time.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Raises the flag and wakes every waiting thread. Harmless when already set.
  void set();
  /// Lowers the flag; later wait()s block until the next set().
  void clear();
  /// The flag's value now.
  [[nodiscard]] bool is_set() const;

  /// Blocks until the flag is set (returns at once when it already is), or until a set() made while
  /// this call was waiting (Python's `wait()`, which then returns True).
  void wait();
  /// As wait(), but gives up after `timeout` (negative: treated as zero). Returns true when the flag
  /// was set, false when the time ran out (Python's `wait(timeout)`).
  [[nodiscard]] bool wait(std::chrono::nanoseconds timeout);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // notified (all) by set()
  bool flag_ = false;                // guarded by mutex_
  std::uint64_t sets_ = 0;           // guarded by mutex_; how many set() calls raised the flag
};

}  // namespace threadlings::lesson04
