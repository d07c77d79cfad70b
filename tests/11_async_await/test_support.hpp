// Helpers shared by lesson 11's tests: a virtual clock, the running loop's time in seconds, and a counter
// of live objects (to see coroutine frames destroyed).
#pragma once

#include <chrono>
#include <memory>
#include <string>

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

}  // namespace lesson11_test
