#include "lesson_run.hpp"

#include <regex>
#include <sstream>

#include "command.hpp"

namespace threadlings::cli {
namespace {

// The compiler's first error and the few lines that explain it (the code line and the caret).
std::string first_compile_error(const std::string& output) {
  static const std::regex error_line(R"((^|\n)([^\s:]+:\d+:\d+: (?:fatal )?error: [^\n]*))");
  std::smatch match;
  if (!std::regex_search(output, match, error_line)) {
    return "the build failed; run `cmake --build --preset student` to see why";
  }
  std::istringstream rest(output.substr(static_cast<std::size_t>(match.position(2))));
  std::string line, text;
  for (int i = 0; i < 3 && std::getline(rest, line); ++i) text += (i == 0 ? "" : "\n") + line;
  return text;
}

}  // namespace

BuildOutcome build_lesson(const CourseTree& tree, const Lesson& lesson) {
  const auto build = run_command({"cmake", "--build", tree.build.string(), "--target", lesson.test_target()});
  if (build.exit_code == 0) return {};
  if (build.output.find("unknown target") != std::string::npos) {
    return {BuildOutcome::State::kNotInBuild, {}};  // configured out with THREADLINGS_LESSONS
  }
  return {BuildOutcome::State::kDoesNotCompile, first_compile_error(build.output)};
}

TestOutcome run_lesson_tests(const CourseTree& tree, const Lesson& lesson) {
  std::string prefix = lesson.test_prefix();
  const auto run = run_command({"ctest", "--test-dir", tree.build.string(), "-R",
                                "^" + std::regex_replace(prefix, std::regex(R"(\.)"), R"(\.)"), "-j2",
                                "--no-tests=ignore"});
  TestOutcome outcome;
  static const std::regex summary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
  std::smatch match;
  if (std::regex_search(run.output, match, summary)) {
    outcome.total = std::stoi(match[3]);
    outcome.passed = outcome.total - std::stoi(match[2]);
  }
  // ctest closes with "The following tests FAILED:" and a line "  27 - lessonNN.exercise.X.Y (Failed)" each.
  const auto failed_section = run.output.find("The following tests FAILED:");
  if (failed_section != std::string::npos) {
    static const std::regex failed_line(R"(\d+ - (\S+) \()");
    const std::string section = run.output.substr(failed_section);
    for (std::sregex_iterator it(section.begin(), section.end(), failed_line), end; it != end; ++it) {
      std::string name = (*it)[1];
      if (name.starts_with(prefix)) outcome.failed.push_back(name.substr(prefix.size()));
    }
  }
  return outcome;
}

}  // namespace threadlings::cli
