#pragma once
/// @file
/// How far a student has come: per lesson, does the exercise compile, and how many tests pass.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace threadlings::cli {

/// One lesson's standing in the student's build.
struct LessonProgress {
  enum class State { kNotStarted, kInProgress, kDone, kDoesNotCompile, kNotBuilt };

  std::string folder;  ///< "02_thread_creation"
  std::string number;  ///< "02"
  std::string title;   ///< from lessons/NN_slug/lesson.json
  State state = State::kNotStarted;
  int passed = 0;
  int total = 0;
  std::string detail;  ///< the first compile error, when it does not compile
};

/// Where the course is and where the student's build is.
struct CourseTree {
  std::filesystem::path source;  ///< the checkout (holds lessons/, exercises/, ...)
  std::filesystem::path build;   ///< the student preset's build folder
};

/// The lessons present under `tree.source`/lessons, in order.
[[nodiscard]] std::vector<std::filesystem::path> lesson_folders(const CourseTree& tree);

/// Builds one lesson's exercise tests and runs them; a lesson that fails to compile does not stop
/// the others. Blocks while cmake and ctest run.
[[nodiscard]] LessonProgress measure_lesson(const CourseTree& tree, const std::filesystem::path& folder);

/// Prints the progress table and the next lesson to open.
void print_progress(std::ostream& out, const CourseTree& tree, const std::vector<LessonProgress>& lessons,
                    bool color);

}  // namespace threadlings::cli
