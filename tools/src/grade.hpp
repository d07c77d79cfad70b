#pragma once
/// @file
/// `threadlings grade`: build every lesson of a student's copy, run each test in its own process
/// with a time limit, and score it with the lessons' manifests.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// What to grade and how.
struct GradeOptions {
  /// The instructor's pristine course: its tests, manifests and CMake files are used, and only the
  /// student's exercises/ is taken from the copy being graded.
  std::optional<std::filesystem::path> tests_from;
  /// The copy to grade, when it is not the one this tool was built from (an autograder builds the
  /// tool from the instructor's course, never from the submission, and points it here).
  std::optional<std::filesystem::path> submission;
  /// Also run every test under this sanitizer ("thread" or "address"); a test must pass both runs.
  std::optional<std::string> sanitizer;
  std::vector<std::string> lessons;  ///< lesson numbers to grade; empty: all
  std::chrono::seconds timeout{60};  ///< per test, after which it is killed and scores 0
  unsigned jobs = 2;                 ///< tests run at the same time
};

/// One test's outcome.
struct TestGrade {
  enum class Status { kPassed, kFailed, kCrashed, kTimedOut, kNotCompiled };
  std::string name;  ///< "Thread.StartTwiceThrows", or "(build)" for a lesson that does not compile
  bool hidden = false;
  Status status = Status::kFailed;
  double seconds = 0;
  double score = 0;
  double max_score = 0;
  std::string output;
};

/// One lesson's outcome.
struct LessonGrade {
  Lesson lesson;
  double points = 0;
  double score = 0;
  bool compiled = true;
  std::vector<TestGrade> tests;
};

/// The whole grade.
struct GradeReport {
  std::vector<LessonGrade> lessons;
  double score = 0;
  double max_score = 0;
  double seconds = 0;
  std::string sanitizer;  ///< empty when none was used
};

[[nodiscard]] const char* status_name(TestGrade::Status status) noexcept;

/// Grades the copy at `tree.source`, building under `tree.build`'s parent. Progress goes to `log`.
/// Throws ManifestError for a bad manifest, std::runtime_error when the tree does not configure.
/// Blocks while it builds and runs everything.
[[nodiscard]] GradeReport grade(const CourseTree& tree, const GradeOptions& options, std::ostream& log);

}  // namespace threadlings::cli
