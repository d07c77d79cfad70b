#pragma once
/// @file
/// The exception every exercise stub throws until the student writes the code.

#include <stdexcept>
#include <string>

namespace threadlings {

/// Thrown by an exercise stub that has not been written yet.
///
/// The message names the function and the lesson to read, so a failing test tells the student
/// exactly what to do next:
///
/// ```cpp
/// throw threadlings::NotImplemented("Thread::start — see lesson 02");
/// // what(): "not implemented yet: Thread::start — see lesson 02"
/// ```
///
/// It derives from std::logic_error because calling an unwritten function is a programming error,
/// not a run-time condition a caller should handle.
class NotImplemented : public std::logic_error {
 public:
  explicit NotImplemented(const std::string& what_to_write)
      : std::logic_error("not implemented yet: " + what_to_write) {}
};

}  // namespace threadlings
