#include "manifest.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

namespace threadlings::cli {

LessonManifest read_manifest(const std::filesystem::path& path, const std::string& shown_path) {
  std::ifstream in(path);
  if (!in) throw ManifestError(shown_path + ": missing (every lesson has a manifest)");
  const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) throw ManifestError(shown_path + ": not valid JSON");
  if (!json.is_object()) throw ManifestError(shown_path + ": must be a JSON object");
  const auto fail = [&](const std::string& field, const std::string& what) {
    throw ManifestError(shown_path + ": '" + field + "' " + what);
  };

  LessonManifest manifest;
  if (!json.contains("title") || !json["title"].is_string() || json["title"].get<std::string>().empty()) {
    fail("title", "must be a non-empty string");
  }
  manifest.title = json["title"].get<std::string>();
  if (!json.contains("points") || !json["points"].is_number() || json["points"].get<double>() <= 0) {
    fail("points", "must be a positive number");
  }
  manifest.points = json["points"].get<double>();
  if (json.contains("weights")) {
    if (!json["weights"].is_object()) fail("weights", "must be an object of \"Suite.Case\": weight");
    for (const auto& [test, weight] : json["weights"].items()) {
      if (test.find('.') == std::string::npos) fail("weights." + test, "must name a test as Suite.Case");
      if (!weight.is_number() || weight.get<double>() <= 0) fail("weights." + test, "must be a positive number");
      manifest.weights[test] = weight.get<double>();
    }
  }
  return manifest;
}

}  // namespace threadlings::cli
