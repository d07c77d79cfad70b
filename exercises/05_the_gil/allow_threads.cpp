// Lesson 05, the GIL: make AllowThreads pass the tests in tests/05_the_gil/allow_threads_test.cpp.
// Concept: Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS: release the GIL around a blocking call.
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#include "allow_threads.hpp"

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson05 {

// TODO: Py_BEGIN_ALLOW_THREADS: give the GIL up for the scope's body.
AllowThreads::AllowThreads(GilInterface& gil) : gil_(gil) {
  throw NotImplemented("AllowThreads::AllowThreads — see lesson 05");
}

// TODO: Py_END_ALLOW_THREADS: get the GIL back, however the scope is left (a destructor must not
// throw NotImplemented, so the stub does nothing).
AllowThreads::~AllowThreads() = default;

}  // namespace threadlings::lesson05
