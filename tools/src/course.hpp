#pragma once
/// @file
/// The course as the tool sees it: where the sources and the build are, and which lessons exist.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace threadlings::cli {

/// A lesson number or name the course does not have; the message lists the valid ones.
class UnknownLesson : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Where the course is and where the student's build is.
struct CourseTree {
  std::filesystem::path source;  ///< the checkout (holds lessons/, exercises/, ...)
  std::filesystem::path build;   ///< the student preset's build folder
};

/// One lesson, as found on disk.
struct Lesson {
  std::string folder;  ///< "02_thread_creation"
  std::string number;  ///< "02"
  std::string title;   ///< from lessons/NN_slug/lesson.json, else the folder name

  /// The ctest name prefix of its exercise tests, and the build target that builds them.
  [[nodiscard]] std::string test_prefix() const { return "lesson" + number + ".exercise."; }
  [[nodiscard]] std::string test_target() const { return "lesson" + number + "_exercise_tests"; }
};

/// The lessons under `tree.source`/lessons that have a CMakeLists.txt, in order.
[[nodiscard]] std::vector<Lesson> find_lessons(const CourseTree& tree);

/// The lesson called `name`: "2", "02" or "02_thread_creation". Throws UnknownLesson otherwise.
[[nodiscard]] Lesson find_lesson(const CourseTree& tree, const std::string& name);

/// The exercise sources of a lesson, relative to the checkout ("exercises/02_thread_creation/thread.cpp").
[[nodiscard]] std::vector<std::string> exercise_files(const CourseTree& tree, const Lesson& lesson);

}  // namespace threadlings::cli
