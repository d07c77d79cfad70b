#pragma once
/// @file
/// How far a student has come: per lesson, does the exercise compile, and how many tests pass.

#include <iosfwd>
#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// One lesson's standing in the student's build.
struct LessonProgress {
  enum class State { kNotStarted, kInProgress, kDone, kDoesNotCompile, kNotBuilt };

  Lesson lesson;
  State state = State::kNotStarted;
  int passed = 0;
  int total = 0;
  std::string detail;  ///< the first compile error, when it does not compile
};

/// Builds one lesson's exercise tests and runs them; a lesson that fails to compile does not stop
/// the others. Blocks while cmake and ctest run.
[[nodiscard]] LessonProgress measure_lesson(const CourseTree& tree, const Lesson& lesson);

/// Prints the progress table and the next lesson to open.
void print_progress(std::ostream& out, const CourseTree& tree, const std::vector<LessonProgress>& lessons,
                    bool color);

}  // namespace threadlings::cli
