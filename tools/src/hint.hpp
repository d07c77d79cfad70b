#pragma once
/// @file
/// `threadlings hint NN [--level k]`: a lesson's layered hints, one layer at a time.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "course.hpp"

namespace threadlings::cli {

/// One part of an exercise and its hints: layer 1 the concept, 2 a pointer, 3 a near-answer.
struct HintSection {
  std::string title;
  std::vector<std::string> layers;
};

/// Reads hints.md: "## Part" headings, each with "### Layer 1", "### Layer 2", "### Layer 3".
[[nodiscard]] std::vector<HintSection> parse_hints(const std::string& markdown);

/// Prints layer `level` (1 to 3) of every part of the lesson's hints. Without a level, prints the
/// layer after the one shown last time (remembered in the build folder), starting at 1.
/// Throws std::invalid_argument for a level outside 1..3 and std::runtime_error without hints.md.
void show_hints(std::ostream& out, const CourseTree& tree, const Lesson& lesson, std::optional<int> level);

}  // namespace threadlings::cli
