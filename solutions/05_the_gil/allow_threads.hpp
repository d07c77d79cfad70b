// Lesson 05, the GIL: make AllowThreads pass the tests in tests/05_the_gil/allow_threads_test.cpp.
// Concept: Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS: release the GIL around a blocking call.
// Check: ./threadlings check 05    (or ctest --preset student -L lesson05)
#pragma once

#include "threadlings/gil_interface.hpp"

namespace threadlings::lesson05 {

/// Releases the GIL for the lifetime of a scope, the way a C extension releases it around a call
/// that blocks or computes without touching Python objects (time.sleep, socket.recv, hashlib on a
/// large buffer, a NumPy kernel):
///
/// ```cpp
/// void sleep_io(GilInterface& gil, std::int64_t micros) {   // a vm::IoFunction
///   AllowThreads allow(gil);                                 // Py_BEGIN_ALLOW_THREADS
///   std::this_thread::sleep_for(std::chrono::microseconds(micros));
/// }                                                          // Py_END_ALLOW_THREADS: re-taken here
/// ```
///
/// - The constructor drops the GIL; the destructor takes it back, blocking until it gets it, also
///   when the scope is left by an exception.
/// - Inside the scope the thread must not touch interpreter state (in CPython: no Python objects,
///   no Python API calls); that is the deal that lets other threads run meanwhile.
/// - Requires: the calling thread holds `gil` at construction (otherwise the constructor throws what
///   drop() throws, GilError for lesson 05's Gil) and does not hold it at destruction. A take() that
///   throws in the destructor ends the program (std::terminate), as a fatal error does in CPython.
///
/// @threadsafety One thread constructs and destroys an AllowThreads; it may not be moved to another
/// thread. Any number of threads may be inside AllowThreads scopes at once: that is its point.
class AllowThreads {
 public:
  /// Drops `gil` (Py_BEGIN_ALLOW_THREADS). May block, as drop() may (forced switching).
  explicit AllowThreads(GilInterface& gil);
  /// Takes `gil` back (Py_END_ALLOW_THREADS). Blocks until the calling thread holds it.
  ~AllowThreads();

  AllowThreads(const AllowThreads&) = delete;
  AllowThreads& operator=(const AllowThreads&) = delete;
  AllowThreads(AllowThreads&&) = delete;
  AllowThreads& operator=(AllowThreads&&) = delete;

 private:
  GilInterface& gil_;
};

}  // namespace threadlings::lesson05
