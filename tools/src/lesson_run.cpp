#include "lesson_run.hpp"

#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>

#include "command.hpp"
#include "timed_run.hpp"

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

// The whole binary in one process: lesson 02's 19 tests take about 50 ms this way and about 250 ms
// through ctest, which starts a process per test. That difference is much of what lets `watch`
// answer within two seconds. The one run decides only the good news: when every test passes in one
// process, they pass. A failure, crash or hang is left to ctest, one process per test, so that one
// bad test can neither hide nor break another, and the verdict is the one `grade` would give.
// Lessons with hidden tests (an instructor's checkout) always go through ctest, which runs both
// binaries.
std::optional<TestOutcome> all_pass_in_one_process(const CourseTree& tree, const Lesson& lesson) {
  const auto folder = tree.build / "lessons" / lesson.folder;
  if (std::filesystem::exists(folder / ("lesson" + lesson.number + "_exercise_hidden_tests"))) return std::nullopt;
  const auto binary = folder / lesson.test_target();
  if (!std::filesystem::exists(binary)) return std::nullopt;
  constexpr auto kLimit = std::chrono::seconds(30);  // a hang is ctest's to name; this only gives up
  const TimedRunResult run = run_with_timeout({binary.string(), "--gtest_brief=1"}, {}, kLimit);
  if (run.ending != TimedRunResult::Ending::kExited || run.code != 0) return std::nullopt;
  static const std::regex passed(R"(\[  PASSED  \] (\d+) tests?\.)");
  std::smatch match;
  if (!std::regex_search(run.output, match, passed) || run.output.find("[  FAILED  ]") != std::string::npos) {
    return std::nullopt;
  }
  TestOutcome outcome;
  outcome.total = outcome.passed = std::stoi(match[1]);
  if (outcome.total == 0) return std::nullopt;
  return outcome;
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
  if (auto all_passed = all_pass_in_one_process(tree, lesson)) return *all_passed;
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
