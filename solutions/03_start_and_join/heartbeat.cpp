// Lesson 03, starting and joining: make Heartbeat pass the tests in tests/03_start_and_join/heartbeat_test.cpp.
// Concept: cooperative stop: std::jthread, std::stop_token, condition_variable_any woken by a stop request.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "heartbeat.hpp"

#include <stdexcept>
#include <utility>

#include "thread.hpp"

namespace threadlings::lesson03 {

Heartbeat::Heartbeat(std::chrono::nanoseconds period, Beat beat, std::string name)
    : period_(period), beat_(std::move(beat)), name_(std::move(name)) {
  // Checked before the thread exists: a constructor that throws must leave nothing running.
  if (!beat_) throw std::invalid_argument("Heartbeat: the beat function is empty");
  if (period_ < std::chrono::nanoseconds::zero()) throw std::invalid_argument("Heartbeat: the period is negative");
  // Started in the body, after every member it reads is initialized; jthread hands run() its stop_token.
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

// std::jthread's destructor already requests the stop and joins; stop() says so explicitly.
Heartbeat::~Heartbeat() { stop(); }

void Heartbeat::request_stop() noexcept {
  // Thread-safe by the standard: the stop state is shared and atomic. It also wakes wakeup_ below.
  (void)thread_.request_stop();
}

void Heartbeat::stop() {
  if (thread_.get_id() == std::this_thread::get_id()) throw ThreadError("cannot join current thread (" + name_ + ")");
  thread_.request_stop();
  // Joining is what makes stop() synchronous: when it returns, no beat is running or will run.
  if (thread_.joinable()) thread_.join();
}

void Heartbeat::run(const std::stop_token& stop) {
  try {
    while (!stop.stop_requested()) {  // checked before each beat: no new beat after a stop request
      beat_();
      std::unique_lock lock(mutex_);
      // Sleeps for the period, but the stop token is registered with the condition variable, so
      // request_stop() wakes it at once. The predicate is "nothing to wait for but the stop".
      (void)wakeup_.wait_for(lock, stop, period_, [] { return false; });
    }
  } catch (...) {
    excepthook({std::current_exception(), name_, std::this_thread::get_id()});
  }
}

}  // namespace threadlings::lesson03
