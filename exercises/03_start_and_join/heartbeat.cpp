// Lesson 03, starting and joining: make Heartbeat pass the tests in tests/03_start_and_join/heartbeat_test.cpp.
// Concept: cooperative stop: std::jthread, std::stop_token, condition_variable_any woken by a stop request.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "heartbeat.hpp"

#include <stdexcept>
#include <utility>

#include "thread.hpp"
#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson03 {

// TODO: keep the arguments; throw std::invalid_argument for an empty beat or a negative period before
// any thread exists; then start thread_ as a std::jthread running run() with its stop_token.
Heartbeat::Heartbeat(std::chrono::nanoseconds period, Beat beat, std::string name) {
  throw NotImplemented("Heartbeat::Heartbeat — see lesson 03");
}

// TODO: stop and join (std::jthread's own destructor would also do it; say so explicitly).
Heartbeat::~Heartbeat() = default;

// TODO: ask the std::jthread to stop. Must not throw.
void Heartbeat::request_stop() noexcept {}

// TODO: throw ThreadError when called from the heartbeat's own thread; otherwise request the stop and
// join (once: a second stop() finds nothing to join).
void Heartbeat::stop() { throw NotImplemented("Heartbeat::stop — see lesson 03"); }

// TODO: until a stop is requested: beat, then wait for the period on wakeup_ with the stop token
// (condition_variable_any::wait_for(lock, stop, period, predicate) wakes at once on request_stop()).
// An exception from the beat goes to excepthook() and ends the loop.
void Heartbeat::run(const std::stop_token& stop) { throw NotImplemented("Heartbeat::run — see lesson 03"); }

}  // namespace threadlings::lesson03
