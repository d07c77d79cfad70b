// Helpers shared by lesson 11's tests: a virtual clock, the running loop's time in seconds, a counter of
// live objects (to see coroutine frames destroyed), and a signal that interrupts a blocking system call.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <pthread.h>
#include <signal.h>

#include "event_loop.hpp"

namespace lesson11_test {

/// A fresh virtual clock for run() or an EventLoop: time starts at 0 and jumps from deadline to
/// deadline while the loop is idle.
inline std::unique_ptr<threadlings::lesson11::Clock> virtual_clock() {
  return std::make_unique<threadlings::lesson11::VirtualClock>();
}

/// A duration in seconds, as a double (for EXPECT_EQ with readable failure messages).
inline double seconds(threadlings::lesson11::Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

/// The running loop's time, in seconds (call it from a coroutine).
inline double now() { return seconds(threadlings::lesson11::get_running_loop().time()); }

/// Counts itself in `*alive` while it lives: put one in a coroutine to see when its frame is destroyed.
class Tracker {
 public:
  explicit Tracker(int* alive) noexcept : alive_(alive) { ++*alive_; }
  ~Tracker() { --*alive_; }
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

 private:
  int* alive_;
};

/// Installs a do-nothing handler for SIGUSR1 *without* SA_RESTART, so that a blocking system call the
/// signal interrupts fails with EINTR (epoll_wait() always does, whatever the flag). Restores the
/// previous action when destroyed. (A copy of lesson 07's helper: a candidate for common/.)
class InterruptingSignal {
 public:
  InterruptingSignal();
  ~InterruptingSignal();
  InterruptingSignal(const InterruptingSignal&) = delete;
  InterruptingSignal& operator=(const InterruptingSignal&) = delete;

  /// Sends SIGUSR1 to `thread` and returns once the handler has run on it.
  void interrupt(pthread_t thread);

 private:
  struct sigaction previous_ {};
};

}  // namespace lesson11_test
