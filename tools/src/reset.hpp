#pragma once
/// @file
/// `threadlings reset NN`: put a lesson's exercise files back as they were handed out.

#include <iosfwd>
#include <map>
#include <string>

#include "course.hpp"

namespace threadlings::cli {

/// The handed-out exercise files of a lesson: relative path -> content. They come from
/// `.threadlings/pristine/` in a copy made by `export-student`, otherwise from git's HEAD.
/// Throws std::runtime_error when neither has them.
[[nodiscard]] std::map<std::string, std::string> pristine_exercise(const CourseTree& tree, const Lesson& lesson);

/// Restores the lesson's changed exercise files. Lists them and asks on `in` first, unless
/// `assume_yes`; when `in` is not a terminal and `assume_yes` is false it refuses and throws
/// std::invalid_argument (a script must say --yes). Returns how many files it restored.
int reset_lesson(std::ostream& out, std::istream& in, bool in_is_terminal, const CourseTree& tree,
                 const Lesson& lesson, bool assume_yes);

}  // namespace threadlings::cli
