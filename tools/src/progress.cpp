#include "progress.hpp"

#include <algorithm>
#include <ostream>

#include "command.hpp"
#include "lesson_run.hpp"

namespace threadlings::cli {
namespace {

// True when git says the lesson's exercise files are as handed out (or when there is no git to ask).
bool exercise_untouched(const CourseTree& tree, const Lesson& lesson) {
  const auto status = run_command({"git", "-C", tree.source.string(), "status", "--porcelain", "--",
                                   "exercises/" + lesson.folder});
  return status.exit_code != 0 || status.output.empty();
}

}  // namespace

LessonProgress measure_lesson(const CourseTree& tree, const Lesson& lesson) {
  LessonProgress progress;
  progress.lesson = lesson;
  const BuildOutcome build = build_lesson(tree, lesson);
  if (build.state == BuildOutcome::State::kNotInBuild) {
    progress.state = LessonProgress::State::kNotBuilt;
    return progress;
  }
  if (build.state == BuildOutcome::State::kDoesNotCompile) {
    progress.state = LessonProgress::State::kDoesNotCompile;
    progress.detail = build.first_error;
    return progress;
  }
  const TestOutcome tests = run_lesson_tests(tree, lesson);
  progress.passed = tests.passed;
  progress.total = tests.total;
  if (tests.total > 0 && tests.passed == tests.total) {
    progress.state = LessonProgress::State::kDone;
  } else if (tests.passed == 0 && exercise_untouched(tree, lesson)) {
    progress.state = LessonProgress::State::kNotStarted;
  } else {
    progress.state = LessonProgress::State::kInProgress;
  }
  return progress;
}

void print_progress(std::ostream& out, const CourseTree& tree, const std::vector<LessonProgress>& lessons,
                    bool color) {
  const auto paint = [color](const char* code, const std::string& text) {
    return color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  constexpr int kBarWidth = 20;
  out << "\nThreadlings: your progress\n\n";
  int done = 0, passed = 0, total = 0;
  for (const auto& progress : lessons) {
    passed += progress.passed;
    total += progress.total;
    const int filled = progress.total == 0 ? 0 : progress.passed * kBarWidth / progress.total;
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(kBarWidth - filled), '.');
    std::string title = progress.lesson.title;
    title.resize(std::max<std::size_t>(title.size(), 26), ' ');
    const std::string count = std::to_string(progress.passed) + "/" + std::to_string(progress.total);
    out << "  " << progress.lesson.number << "  " << title << " [" << bar << "] ";
    switch (progress.state) {
      case LessonProgress::State::kDone:
        ++done;
        out << paint("32", count + " done");
        break;
      case LessonProgress::State::kInProgress:
        out << paint("33", count + " passing");
        break;
      case LessonProgress::State::kNotStarted:
        out << count << " not started";
        break;
      case LessonProgress::State::kNotBuilt:
        out << "not part of this build (THREADLINGS_LESSONS)";
        break;
      case LessonProgress::State::kDoesNotCompile:
        out << paint("31", "does not compile") << "\n        " << progress.detail.substr(0, progress.detail.find('\n'));
        break;
    }
    out << '\n';
  }
  out << "\n  " << done << " of " << lessons.size() << " lessons done, " << passed << " of " << total
      << " tests passing\n";
  const auto next = std::find_if(lessons.begin(), lessons.end(), [](const LessonProgress& progress) {
    return progress.state != LessonProgress::State::kDone && progress.state != LessonProgress::State::kNotBuilt;
  });
  if (next == lessons.end()) {
    out << "  " << paint("32", "Every lesson is done.") << "\n\n";
    return;
  }
  out << "\n  Next: lesson " << next->lesson.number << ", " << next->lesson.title << "\n"
      << "    read   lessons/" << next->lesson.folder << "/README.md\n";
  for (const auto& file : exercise_files(tree, next->lesson)) {
    if (file.ends_with(".cpp")) out << "    edit   " << file << '\n';
  }
  out << "    check  ./threadlings check " << next->lesson.number << "\n\n";
}

}  // namespace threadlings::cli
