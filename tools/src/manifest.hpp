#pragma once
/// @file
/// A lesson's manifest, lessons/NN_slug/lesson.json: its title, its points, and optional test weights.
///
/// ```json
/// { "number": 2, "slug": "thread_creation", "title": "Creating threads", "points": 100,
///   "weights": { "Thread.StartTwiceThrows": 3 } }
/// ```
/// A test's share of the lesson's points is its weight (1 unless listed) over the sum of weights.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

namespace threadlings::cli {

/// A manifest that is missing, not JSON, or has a wrong field. The message names the file and the
/// field ("lessons/02_thread_creation/lesson.json: 'points' must be a positive number").
class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What grading needs from a lesson's manifest.
struct LessonManifest {
  std::string title;
  double points = 0;
  std::map<std::string, double> weights;  ///< "Suite.Case" -> weight; unlisted tests weigh 1

  [[nodiscard]] double weight_of(const std::string& test) const {
    const auto found = weights.find(test);
    return found == weights.end() ? 1.0 : found->second;
  }
};

/// Reads and validates `path`. Throws ManifestError naming the file and the field.
[[nodiscard]] LessonManifest read_manifest(const std::filesystem::path& path, const std::string& shown_path);

}  // namespace threadlings::cli
