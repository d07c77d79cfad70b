#pragma once
/// @file
/// `threadlings check [NN]`: rebuild one lesson, run its tests, and say concisely what is wrong.

#include <iosfwd>
#include <optional>

#include "course.hpp"

namespace threadlings::cli {

/// Builds and tests `lesson`; prints a compile error (file:line) or each failing test with its failed
/// expectation. Returns 0 when every test passes, 1 otherwise. Blocks while cmake and ctest run.
int check_lesson(std::ostream& out, const CourseTree& tree, const Lesson& lesson, bool color);

/// The first lesson, in order, whose tests do not all pass (builds and runs lessons to find out);
/// empty when all are done.
[[nodiscard]] std::optional<Lesson> first_unfinished_lesson(const CourseTree& tree);

}  // namespace threadlings::cli
