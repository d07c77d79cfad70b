#pragma once
/// @file
/// The GitHub Classroom autograding workflow of a student copy, generated from its lessons.

#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// One graded step of the workflow: a lesson and its points.
struct ClassroomLesson {
  Lesson lesson;
  double points = 0;
};

/// `.github/workflows/classroom.yml` for GitHub Classroom: installs the course's Debian packages,
/// then one command-grader step per lesson (configure that lesson, build it, run its tests with
/// ctest; the step's points are the lesson's), then the reporter that totals them.
[[nodiscard]] std::string classroom_workflow(const std::vector<ClassroomLesson>& lessons);

}  // namespace threadlings::cli
