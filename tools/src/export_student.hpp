#pragma once
/// @file
/// `threadlings export-student DIR`: the copy a class receives.

#include <filesystem>
#include <iosfwd>

#include "course.hpp"

namespace threadlings::cli {

/// Writes a student copy of the course to `destination`: everything but solutions/, the hidden tests
/// (tests/NN_slug/hidden/), the mutants, build folders and git history; plus the handed-out exercise
/// files under .threadlings/pristine/ for `threadlings reset`, and a GitHub Classroom autograding
/// workflow (.github/workflows/classroom.yml). The copy configures, builds and runs without solutions/. Throws std::invalid_argument when `destination` exists and is not empty.
void export_student(std::ostream& out, const CourseTree& tree, const std::filesystem::path& destination);

}  // namespace threadlings::cli
