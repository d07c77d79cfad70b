// Lesson 03, starting and joining: make Timer pass the tests in tests/03_start_and_join/timer_test.cpp.
// Concept: threading.Timer(interval, function) and cancel(): a thread that waits, woken at once by cancel.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "thread.hpp"

namespace threadlings::lesson03 {

/// Python's `threading.Timer(interval, function)`: a Thread that waits `interval`, then calls
/// `function` once, unless cancel() came first.
///
/// ```cpp
/// Timer reminder(std::chrono::seconds(30), [] { std::cout << "tea is ready\n"; });
/// reminder.start();
/// ...
/// reminder.cancel();   // changed our mind: the function will not run, and the thread ends now
/// reminder.join();
/// ```
///
/// - The interval is a std::chrono duration; zero or negative fires at once (as in Python).
/// - cancel() wakes the waiting thread at once: nothing polls, nothing sleeps the interval out.
///   Before start() it means the timer will never fire; after the function has started it changes
///   nothing (cancel does not wait for the function and does not interrupt it).
/// - start() once (ThreadError on a second call); join(), join(timeout) and is_alive() as for Thread.
/// - An exception escaping `function` goes to the excepthook, with the timer's name.
/// - Destruction cancels a pending timer, then joins (Python's interpreter would instead wait the
///   interval out at exit: a Timer is not a daemon). A Timer must not be destroyed by its own function.
///
/// @threadsafety cancel(), join(), join(timeout) and is_alive() may be called from any thread, at any
/// time, also concurrently. start() is called once, by the owner.
class Timer {
 public:
  using Function = std::function<void()>;

  /// `threading.Timer(interval, function)`, named `name`. Runs nothing until start().
  Timer(std::chrono::nanoseconds interval, Function function, std::string name = "Timer");

  /// Cancels the timer if it is still waiting, then joins it.
  ~Timer();

  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  Timer(Timer&&) = delete;
  Timer& operator=(Timer&&) = delete;

  /// Starts the waiting thread. Throws ThreadError("threads can only be started once") on a second call.
  void start();

  /// Stops the timer if it has not fired yet, and wakes its thread at once. Harmless at any time,
  /// any number of times. Does not block (beyond a short lock).
  void cancel();

  /// As Thread::join(): waits until the timer has fired or been cancelled. Throws ThreadError before start().
  void join();
  /// As Thread::join(timeout): returns whether the timer's thread has finished.
  [[nodiscard]] bool join(std::chrono::nanoseconds timeout);
  /// True from start() until the function has returned or the cancelled wait has ended.
  [[nodiscard]] bool is_alive() const;

 private:
  /// What the timer's thread runs: wait for the interval or a cancel, then fire unless cancelled.
  void wait_then_fire();

  std::chrono::nanoseconds interval_;
  Function function_;
  std::mutex mutex_;
  std::condition_variable cancelled_cv_;  // notified by cancel()
  bool cancelled_ = false;                // guarded by mutex_
  Thread thread_;                         // last: destroyed (joined) first, while the rest still exists
};

}  // namespace threadlings::lesson03
