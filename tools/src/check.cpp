#include "check.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <string.h>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "lesson_run.hpp"

namespace threadlings::cli {
namespace {

constexpr std::size_t kDetailedFailures = 5;  // more than this buries the first one
constexpr std::size_t kLinesPerFailure = 8;

std::string first_lines(const std::string& text, std::size_t count, const std::string& indent) {
  std::istringstream in(text);
  std::string line, result;
  for (std::size_t i = 0; i < count && std::getline(in, line); ++i) result += indent + line + "\n";
  return result;
}

std::string without_prefix(std::string text, const std::string& prefix) {
  for (std::size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
  return text;
}

// GoogleTest's JSON report escapes every byte of non-ASCII text as \u00XX, so after parsing, each
// byte of the original UTF-8 stands as a code point below 256. This puts the bytes back.
std::string undo_byte_escapes(const std::string& decoded) {
  std::string bytes;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const auto lead = static_cast<unsigned char>(decoded[i]);
    if ((lead == 0xC2 || lead == 0xC3) && i + 1 < decoded.size()) {  // U+0080..U+00FF in UTF-8
      const auto tail = static_cast<unsigned char>(decoded[++i]);
      bytes.push_back(static_cast<char>(((lead & 0x03U) << 6U) | (tail & 0x3FU)));
    } else {
      bytes.push_back(decoded[i]);
    }
  }
  return bytes;
}

// Reruns one failed test alone, with GoogleTest's JSON report, to get its failed expectations.
// A test that crashed writes no report: then the end of its output says what happened.
std::string explain_failure(const CourseTree& tree, const Lesson& lesson, const std::string& test) {
  const auto binary = tree.build / "lessons" / lesson.folder / lesson.test_target();
  const auto report = tree.build / ".threadlings" / ("failure-" + lesson.number + ".json");
  std::filesystem::create_directories(report.parent_path());
  std::filesystem::remove(report);
  const auto run = run_command({binary.string(), "--gtest_filter=" + test, "--gtest_output=json:" + report.string()});
  std::ifstream in(report);
  const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::string text;
  if (json.is_object() && json.contains("testsuites")) {
    for (const auto& suite : json["testsuites"]) {
      for (const auto& test_case : suite.value("testsuite", nlohmann::json::array())) {
        for (const auto& failure : test_case.value("failures", nlohmann::json::array())) {
          std::string message = undo_byte_escapes(failure.value("failure", ""));
          // A stub's exception reads best as the one line that names what to write.
          const auto unfinished = message.find("not implemented yet: ");
          if (unfinished != std::string::npos) {
            message = message.substr(unfinished, message.find('"', unfinished) - unfinished);
          }
          text += message + "\n";
        }
      }
    }
  }
  if (text.empty()) {  // no report: it crashed, hung (the watchdog) or died on a signal
    const auto started = run.output.find("[ RUN      ]");
    std::string output = started == std::string::npos ? run.output : run.output.substr(run.output.find('\n', started) + 1);
    if (output.size() > 1500) output = output.substr(output.size() - 1500);
    const std::string how = run.exit_code < 0 ? std::string("killed by ") + ::strsignal(-run.exit_code)
                                              : "exit status " + std::to_string(run.exit_code);
    text = "the test did not finish (" + how + "); it printed:\n" + output;
  }
  return without_prefix(text, tree.source.string() + "/");
}

}  // namespace

int check_lesson(std::ostream& out, const CourseTree& tree, const Lesson& lesson, bool color) {
  const auto paint = [color](const char* code, const std::string& text) {
    return color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  out << "Lesson " << lesson.number << ", " << lesson.title << ": ";
  const BuildOutcome build = build_lesson(tree, lesson);
  if (build.state == BuildOutcome::State::kNotInBuild) {
    out << "not part of this build (configure without THREADLINGS_LESSONS, or include " << lesson.number << ")\n";
    return 1;
  }
  if (build.state == BuildOutcome::State::kDoesNotCompile) {
    out << paint("31", "does not compile") << "\n\n"
        << first_lines(without_prefix(build.first_error, tree.source.string() + "/"), 6, "  ") << '\n';
    return 1;
  }
  const TestOutcome tests = run_lesson_tests(tree, lesson);
  if (tests.total == 0) {
    out << paint("31", "no tests ran") << " (is the build up to date? try: cmake --preset student)\n";
    return 1;
  }
  if (tests.failed.empty()) {
    out << paint("32", "all " + std::to_string(tests.total) + " tests pass.") << '\n';
    return 0;
  }
  out << tests.passed << " of " << tests.total << " tests pass.\n\n";
  for (std::size_t i = 0; i < tests.failed.size(); ++i) {
    const std::string& name = tests.failed[i];
    if (i < kDetailedFailures) {
      out << "  " << paint("31", "FAIL") << " " << name << '\n'
          << first_lines(explain_failure(tree, lesson, name), kLinesPerFailure, "       ") << '\n';
    } else {
      out << "  " << paint("31", "FAIL") << " " << name << '\n';
    }
  }
  out << "Edit ";
  for (const auto& file : exercise_files(tree, lesson)) {
    if (file.ends_with(".cpp")) out << file << ' ';
  }
  out << "and check again. Stuck? ./threadlings hint " << lesson.number << '\n';
  return 1;
}

std::optional<Lesson> first_unfinished_lesson(const CourseTree& tree) {
  for (const auto& lesson : find_lessons(tree)) {
    const BuildOutcome build = build_lesson(tree, lesson);
    if (build.state == BuildOutcome::State::kNotInBuild) continue;
    if (build.state == BuildOutcome::State::kDoesNotCompile) return lesson;
    const TestOutcome tests = run_lesson_tests(tree, lesson);
    if (tests.total == 0 || !tests.failed.empty()) return lesson;
  }
  return std::nullopt;
}

}  // namespace threadlings::cli
