// Lesson 04, locks: make Event pass the tests in tests/04_locks/event_test.cpp.
// Concept: a flag guarded by a mutex plus a condition variable; wait with a predicate, notify every waiter.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "event.hpp"

#include <algorithm>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson04 {

// TODO: raise flag_ under the lock (count the set in sets_ when it was down), then wake EVERY waiter.
void Event::set() { throw NotImplemented("Event::set — see lesson 04"); }

// TODO: lower the flag under the lock.
void Event::clear() { throw NotImplemented("Event::clear — see lesson 04"); }

// TODO: read the flag under the lock.
bool Event::is_set() const { throw NotImplemented("Event::is_set — see lesson 04"); }

// TODO: wait on changed_ with a predicate: "the flag is up, or a set() happened since I started waiting".
void Event::wait() { throw NotImplemented("Event::wait — see lesson 04"); }

// TODO: the same with wait_for (a negative timeout counts as zero); return what the predicate says.
bool Event::wait(std::chrono::nanoseconds timeout) { throw NotImplemented("Event::wait(timeout) — see lesson 04"); }

}  // namespace threadlings::lesson04
