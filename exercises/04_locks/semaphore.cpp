// Lesson 04, locks: make Semaphore and BoundedSemaphore pass the tests in tests/04_locks/semaphore_test.cpp.
// Concept: a counter of permits guarded by a mutex; acquire waits while it is zero, release adds and notifies.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "semaphore.hpp"

#include <algorithm>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson04 {

// Done for you: a plain Semaphore has no bound.
Semaphore::Semaphore(std::ptrdiff_t value) : Semaphore(value, std::nullopt) {}

// TODO: throw ValueError("semaphore initial value must be >= 0") for a negative value.
Semaphore::Semaphore(std::ptrdiff_t value, std::optional<std::ptrdiff_t> bound) : value_(value), bound_(bound) {}

// TODO: as RLock::acquire without the owner: take a permit when value_ > 0, waiting for one if allowed to.
bool Semaphore::acquire(bool blocking, std::optional<std::chrono::nanoseconds> timeout) {
  throw NotImplemented("Semaphore::acquire — see lesson 04");
}

// TODO: reject n < 1; refuse (ValueError, nothing changed) a release that would take value_ above bound_;
// add n permits under the lock; then wake up to n waiters.
void Semaphore::release(std::ptrdiff_t n) { throw NotImplemented("Semaphore::release — see lesson 04"); }

// Done for you: the initial value is also the bound.
BoundedSemaphore::BoundedSemaphore(std::ptrdiff_t value) : Semaphore(value, value) {}

}  // namespace threadlings::lesson04
