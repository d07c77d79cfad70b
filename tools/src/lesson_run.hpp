#pragma once
/// @file
/// Building one lesson's exercise tests and running them, the way `list` and `check` both need.

#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// The outcome of building a lesson's exercise tests.
struct BuildOutcome {
  enum class State { kBuilt, kDoesNotCompile, kNotInBuild };
  State state = State::kBuilt;
  std::string first_error;  ///< "file:line:col: error: ..." and the lines after it, when it does not compile
};

/// The outcome of running a lesson's exercise tests (each in its own process, through ctest).
struct TestOutcome {
  int passed = 0;
  int total = 0;
  std::vector<std::string> failed;  ///< GoogleTest names ("Thread.StartTwiceThrows"), in ctest's order
};

/// Builds only the lesson's exercise test binary (its exercise .cpp files and the link), so that a
/// lesson that does not compile costs nothing to the others. Blocks while the build runs.
[[nodiscard]] BuildOutcome build_lesson(const CourseTree& tree, const Lesson& lesson);

/// Runs the lesson's exercise tests: first all in one process, which is fast and settles the case
/// where every test passes; otherwise with ctest, each test in its own process, which names every
/// failure. Blocks while they run.
[[nodiscard]] TestOutcome run_lesson_tests(const CourseTree& tree, const Lesson& lesson);

}  // namespace threadlings::cli
