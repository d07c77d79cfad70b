#include "progress.hpp"

#include <algorithm>
#include <fstream>
#include <ostream>
#include <regex>

#include <nlohmann/json.hpp>

#include "command.hpp"

namespace threadlings::cli {
namespace {

std::string lesson_title(const std::filesystem::path& folder) {
  std::ifstream in(folder / "lesson.json");
  const auto manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_object() && manifest.contains("title") && manifest["title"].is_string()) {
    return manifest["title"].get<std::string>();
  }
  return folder.filename().string();
}

// True when git says the lesson's exercise files are as handed out (or when there is no git to ask).
bool exercise_untouched(const CourseTree& tree, const std::string& folder) {
  const auto status = run_command({"git", "-C", tree.source.string(), "status", "--porcelain", "--",
                                   "exercises/" + folder});
  return status.exit_code != 0 || status.output.empty();
}

std::string first_compile_error(const std::string& output) {
  static const std::regex error_line(R"(([^\s:]+:\d+:\d+: (?:fatal )?error: [^\n]*))");
  std::smatch match;
  if (std::regex_search(output, match, error_line)) return match[1];
  return "the build failed (run: cmake --build --preset student)";
}

}  // namespace

std::vector<std::filesystem::path> lesson_folders(const CourseTree& tree) {
  std::vector<std::filesystem::path> folders;
  static const std::regex lesson_name(R"(\d\d_[a-z0-9_]+)");
  for (const auto& entry : std::filesystem::directory_iterator(tree.source / "lessons")) {
    if (entry.is_directory() && std::regex_match(entry.path().filename().string(), lesson_name) &&
        std::filesystem::exists(entry.path() / "CMakeLists.txt")) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

LessonProgress measure_lesson(const CourseTree& tree, const std::filesystem::path& folder) {
  LessonProgress lesson;
  lesson.folder = folder.filename().string();
  lesson.number = lesson.folder.substr(0, 2);
  lesson.title = lesson_title(folder);
  const std::string prefix = "lesson" + lesson.number;

  const auto build = run_command({"cmake", "--build", tree.build.string(), "--target", prefix + "_exercise_tests"});
  if (build.exit_code != 0 && build.output.find("unknown target") != std::string::npos) {
    lesson.state = LessonProgress::State::kNotBuilt;  // configured out (THREADLINGS_LESSONS)
    return lesson;
  }
  if (build.exit_code != 0) {
    lesson.state = LessonProgress::State::kDoesNotCompile;
    lesson.detail = first_compile_error(build.output);
    return lesson;
  }
  const auto tests = run_command({"ctest", "--test-dir", tree.build.string(), "-R",
                                  "^" + prefix + "\\.exercise\\.", "-j2", "--no-tests=ignore"});
  static const std::regex summary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
  std::smatch match;
  if (std::regex_search(tests.output, match, summary)) {
    lesson.total = std::stoi(match[3]);
    lesson.passed = lesson.total - std::stoi(match[2]);
  }
  if (lesson.total > 0 && lesson.passed == lesson.total) {
    lesson.state = LessonProgress::State::kDone;
  } else if (lesson.passed == 0 && exercise_untouched(tree, lesson.folder)) {
    lesson.state = LessonProgress::State::kNotStarted;
  } else {
    lesson.state = LessonProgress::State::kInProgress;
  }
  return lesson;
}

void print_progress(std::ostream& out, const CourseTree& tree, const std::vector<LessonProgress>& lessons,
                    bool color) {
  const auto paint = [color](const char* code, const std::string& text) {
    return color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  constexpr int kBarWidth = 20;
  out << "\nThreadlings: your progress\n\n";
  int done = 0, passed = 0, total = 0;
  for (const auto& lesson : lessons) {
    passed += lesson.passed;
    total += lesson.total;
    const int filled = lesson.total == 0 ? 0 : lesson.passed * kBarWidth / lesson.total;
    std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                      std::string(static_cast<std::size_t>(kBarWidth - filled), '.');
    std::string title = lesson.title;
    title.resize(std::max<std::size_t>(title.size(), 26), ' ');
    out << "  " << lesson.number << "  " << title << " [" << bar << "] ";
    switch (lesson.state) {
      case LessonProgress::State::kDone:
        ++done;
        out << paint("32", std::to_string(lesson.passed) + "/" + std::to_string(lesson.total) + " done");
        break;
      case LessonProgress::State::kInProgress:
        out << paint("33", std::to_string(lesson.passed) + "/" + std::to_string(lesson.total) + " passing");
        break;
      case LessonProgress::State::kNotStarted:
        out << "0/" << lesson.total << " not started";
        break;
      case LessonProgress::State::kNotBuilt:
        out << "not part of this build (THREADLINGS_LESSONS)";
        break;
      case LessonProgress::State::kDoesNotCompile:
        out << paint("31", "does not compile") << "\n        " << lesson.detail;
        break;
    }
    out << '\n';
  }
  out << "\n  " << done << " of " << lessons.size() << " lessons done, " << passed << " of " << total
      << " tests passing\n";
  const auto next = std::find_if(lessons.begin(), lessons.end(), [](const LessonProgress& lesson) {
    return lesson.state != LessonProgress::State::kDone && lesson.state != LessonProgress::State::kNotBuilt;
  });
  if (next == lessons.end()) {
    out << "  " << paint("32", "Every lesson is done.") << '\n';
    return;
  }
  const auto exercise_dir = tree.source / "exercises" / next->folder;
  std::vector<std::string> files;
  if (std::filesystem::exists(exercise_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(exercise_dir)) {
      if (entry.path().extension() == ".cpp") files.push_back("exercises/" + next->folder + "/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  out << "\n  Next: lesson " << next->number << ", " << next->title << "\n"
      << "    read   lessons/" << next->folder << "/README.md\n";
  for (const auto& file : files) out << "    edit   " << file << '\n';
  out << "    check  ctest --preset student -L lesson" << next->number << "   (after cmake --build --preset student)\n\n";
}

}  // namespace threadlings::cli
