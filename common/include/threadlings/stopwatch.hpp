#pragma once
/// @file
/// Wall-clock measurement for demos and benchmarks (tests never assert on time).

#include <chrono>

namespace threadlings {

/// Measures elapsed time on the monotonic clock from construction or the last restart().
/// @threadsafety Not synchronized: one thread owns a Stopwatch (reads from several threads are fine
/// as long as nobody calls restart() meanwhile).
class Stopwatch {
 public:
  using Clock = std::chrono::steady_clock;

  Stopwatch() noexcept : start_(Clock::now()) {}

  void restart() noexcept { start_ = Clock::now(); }
  [[nodiscard]] Clock::duration elapsed() const noexcept { return Clock::now() - start_; }
  [[nodiscard]] double elapsed_seconds() const noexcept {
    return std::chrono::duration<double>(elapsed()).count();
  }
  [[nodiscard]] double elapsed_milliseconds() const noexcept {
    return std::chrono::duration<double, std::milli>(elapsed()).count();
  }

 private:
  Clock::time_point start_;
};

}  // namespace threadlings
