// Lesson 05, the GIL: make AllowThreads pass the tests in tests/05_the_gil/allow_threads_test.cpp.
// Concept: Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS: release the GIL around a blocking call.
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#include "allow_threads.hpp"

namespace threadlings::lesson05 {

// Drop in the constructor: the scope's body runs without the GIL, so other threads run meanwhile.
AllowThreads::AllowThreads(GilInterface& gil) : gil_(gil) { gil_.drop(); }

// Take in the destructor: every way out of the scope, exceptions included, gets the GIL back.
AllowThreads::~AllowThreads() { gil_.take(); }

}  // namespace threadlings::lesson05
