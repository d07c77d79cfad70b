// Lesson 03, starting and joining: make Heartbeat pass the tests in tests/03_start_and_join/heartbeat_test.cpp.
// Concept: cooperative stop: std::jthread, std::stop_token, condition_variable_any woken by a stop request.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace threadlings::lesson03 {

/// Calls `beat` on its own thread at once and then every `period`, until asked to stop. The
/// C++20 form of the Python idiom
///
/// ```python
/// stop = threading.Event()
/// def heartbeat():
///     while not stop.is_set():
///         beat()
///         stop.wait(period)      # sleeps, but wakes as soon as stop.set() is called
/// ```
///
/// built on std::jthread: its stop_token is the Event, and its destructor requests the stop and joins.
///
/// - The thread starts in the constructor (RAII: an object that exists is running).
/// - A stop request wakes the waiting thread at once (no polling, no sleep). A beat in progress is
///   not interrupted: stopping is cooperative, the thread ends once the beat returns.
/// - After a stop has been requested, no new beat starts.
/// - An exception escaping `beat` goes to the excepthook (with the heartbeat's name) and ends the
///   heartbeat.
///
/// @threadsafety request_stop() may be called from any thread, including from inside `beat`. stop()
/// and the destructor are called by the owner only, never from inside `beat` (stop() throws there).
class Heartbeat {
 public:
  using Beat = std::function<void()>;

  /// Starts beating: `beat()` now (unless a stop is requested first), then again after each `period`
  /// (zero: back to back).
  /// Throws std::invalid_argument when `beat` is empty or `period` is negative.
  Heartbeat(std::chrono::nanoseconds period, Beat beat, std::string name = "Heartbeat");

  /// stop(): requests the stop and joins.
  ~Heartbeat();

  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  Heartbeat(Heartbeat&&) = delete;
  Heartbeat& operator=(Heartbeat&&) = delete;

  /// Asks the thread to stop; returns at once. Harmless when already stopped.
  void request_stop() noexcept;

  /// Requests the stop and blocks until the thread has ended (the current beat, if any, returns
  /// first). Harmless when already stopped. Throws ThreadError when called from inside `beat` (the
  /// thread would wait for itself).
  void stop();

 private:
  /// What the thread runs: beat, wait, repeat, until `stop` is requested.
  void run(const std::stop_token& stop);

  // TODO: these members are enough: the std::jthread comes last, so that it starts after, and is
  // joined before, everything its thread reads.
  std::chrono::nanoseconds period_;
  Beat beat_;
  std::string name_;
  std::mutex mutex_;                    // the waits need a mutex; it guards no data of its own
  std::condition_variable_any wakeup_;  // woken by the stop token, never notified by hand
  std::jthread thread_;                 // last: started once the members above exist
};

}  // namespace threadlings::lesson03
