#include "course.hpp"

#include <algorithm>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

namespace threadlings::cli {
namespace {

std::string title_from_manifest(const std::filesystem::path& folder) {
  std::ifstream in(folder / "lesson.json");
  const auto manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_object() && manifest.contains("title") && manifest["title"].is_string()) {
    return manifest["title"].get<std::string>();
  }
  return folder.filename().string();
}

}  // namespace

std::vector<Lesson> find_lessons(const CourseTree& tree) {
  static const std::regex lesson_name(R"(\d\d_[a-z0-9_]+)");
  std::vector<Lesson> lessons;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(tree.source / "lessons", error)) {
    const std::string folder = entry.path().filename().string();
    if (entry.is_directory() && std::regex_match(folder, lesson_name) &&
        std::filesystem::exists(entry.path() / "CMakeLists.txt")) {
      lessons.push_back({folder, folder.substr(0, 2), title_from_manifest(entry.path())});
    }
  }
  std::sort(lessons.begin(), lessons.end(), [](const Lesson& a, const Lesson& b) { return a.folder < b.folder; });
  return lessons;
}

Lesson find_lesson(const CourseTree& tree, const std::string& name) {
  const auto lessons = find_lessons(tree);
  std::string number = name;
  if (name.size() == 1 && std::isdigit(static_cast<unsigned char>(name[0])) != 0) number = "0" + name;
  for (const auto& lesson : lessons) {
    if (lesson.number == number || lesson.folder == name) return lesson;
  }
  std::string valid;
  for (const auto& lesson : lessons) valid += "\n  " + lesson.number + "  " + lesson.title;
  throw UnknownLesson("no lesson '" + name + "'; the lessons are:" + valid);
}

std::vector<std::string> exercise_files(const CourseTree& tree, const Lesson& lesson) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(tree.source / "exercises" / lesson.folder, error)) {
    const auto extension = entry.path().extension();
    if (extension == ".cpp" || extension == ".hpp") {
      files.push_back("exercises/" + lesson.folder + "/" + entry.path().filename().string());
    }
  }
  // The .cpp files first: that is where the work is.
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    const bool a_cpp = a.ends_with(".cpp"), b_cpp = b.ends_with(".cpp");
    return a_cpp != b_cpp ? a_cpp : a < b;
  });
  return files;
}

}  // namespace threadlings::cli
