#pragma once
/// @file
/// `threadlings run NN [demo] [args...]`: a lesson's demo, built against the student's exercise.

#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// The demo names of a lesson (the .cpp files in lessons/NN_slug/).
[[nodiscard]] std::vector<std::string> lesson_demos(const CourseTree& tree, const Lesson& lesson);

/// Builds the demo and replaces this process with it (so it owns the terminal and its exit code).
/// With an empty `demo`, runs the lesson's only demo. Throws std::invalid_argument naming the valid
/// demos when `demo` is unknown or ambiguous, std::runtime_error when it does not build.
[[noreturn]] void exec_demo(const CourseTree& tree, const Lesson& lesson, const std::string& demo,
                            const std::vector<std::string>& arguments);

}  // namespace threadlings::cli
