// Lesson 03, starting and joining: make Timer pass the tests in tests/03_start_and_join/timer_test.cpp.
// Concept: threading.Timer(interval, function) and cancel(): a thread that waits, woken at once by cancel.
// Check: ./threadlings check 03    (or ctest --preset student -L lesson03)
#include "timer.hpp"

#include <utility>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson03 {

// TODO: keep the interval and the function, and give thread_ a target that calls wait_then_fire()
// (a Timer is a Thread, as in Python: class Timer(Thread)).
Timer::Timer(std::chrono::nanoseconds interval, Function function, std::string name)
    : thread_(Thread::Target{}, std::move(name)) {
  throw NotImplemented("Timer::Timer — see lesson 03");
}

// TODO: cancel, so that the member Thread's destructor (which joins) does not wait the interval out.
Timer::~Timer() = default;

// TODO: start the Thread (it already throws ThreadError on a second start).
void Timer::start() { throw NotImplemented("Timer::start — see lesson 03"); }

// TODO: set the cancelled flag under the lock, then wake the waiting thread.
void Timer::cancel() { throw NotImplemented("Timer::cancel — see lesson 03"); }

// TODO: wait for the interval or a cancel, whichever comes first (a condition variable with a timeout
// and a predicate, no sleeping); call the function, outside the lock, only if not cancelled.
void Timer::wait_then_fire() { throw NotImplemented("Timer::wait_then_fire — see lesson 03"); }

// TODO: the three below are the Thread's.
void Timer::join() { throw NotImplemented("Timer::join — see lesson 03"); }

bool Timer::join(std::chrono::nanoseconds timeout) { throw NotImplemented("Timer::join(timeout) — see lesson 03"); }

bool Timer::is_alive() const { throw NotImplemented("Timer::is_alive — see lesson 03"); }

}  // namespace threadlings::lesson03
