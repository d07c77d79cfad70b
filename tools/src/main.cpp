// threadlings: the student's and instructor's command-line tool.
//   threadlings [list]              progress per lesson, and the next lesson to open
//   threadlings check [NN]          build and test one lesson (default: the first unfinished one)
//   threadlings hint NN [--level k] the lesson's hints, one layer at a time
//   threadlings run NN [demo] [...] a lesson's demo, running your exercise code
//   threadlings watch [NN]          re-check whenever an exercise file changes
//   threadlings reset NN [--yes]    put a lesson's exercise files back as handed out
//   threadlings grade [...]         the instructor's grade: every lesson, every test, with points
//   threadlings export-student DIR  the copy a class receives: no solutions, hidden tests, mutants
// Exit codes: 0 success, 1 tests fail or something failed, 2 bad usage (with a usage message).
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <fstream>

#include "check.hpp"
#include "course.hpp"
#include "export_student.hpp"
#include "grade.hpp"
#include "hint.hpp"
#include "manifest.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "reset.hpp"
#include "run_demo.hpp"
#include "watch.hpp"

namespace {

using namespace threadlings::cli;

constexpr int kUsageError = 2;

bool use_color(bool no_color_flag) {
  return !no_color_flag && std::getenv("NO_COLOR") == nullptr && ::isatty(STDOUT_FILENO) == 1;
}

int list(const CourseTree& tree, bool color) {
  std::vector<LessonProgress> lessons;
  for (const auto& lesson : find_lessons(tree)) lessons.push_back(measure_lesson(tree, lesson));
  print_progress(std::cout, tree, lessons, color);
  return 0;
}

int check(const CourseTree& tree, const std::string& name, bool color) {
  std::optional<Lesson> lesson = name.empty() ? first_unfinished_lesson(tree) : find_lesson(tree, name);
  if (!lesson) {
    std::cout << "Every lesson passes all its tests. Well done.\n";
    return 0;
  }
  return check_lesson(std::cout, tree, *lesson, color);
}

// `run` passes everything after the demo name to the demo, flags included, so it parses by hand
// what CLI11 collected: LESSON [DEMO] [ARGS...].
int run(const CourseTree& tree, std::vector<std::string> words) {
  if (words.empty()) throw CLI::ValidationError("run", "which lesson? usage: threadlings run NN [demo] [demo flags...]");
  const Lesson lesson = find_lesson(tree, words.front());
  words.erase(words.begin());
  std::string demo;
  if (!words.empty() && !words.front().starts_with("-")) {
    demo = words.front();
    words.erase(words.begin());
  }
  exec_demo(tree, lesson, demo, words);
}

// One report to write: a format, and a file (stdout when empty).
struct ReportRequest {
  std::string format;
  std::string file;
};

// Pairs each --out with the --format given before it, in the order they were typed.
std::vector<ReportRequest> report_requests(const CLI::App& command, const std::vector<std::string>& formats,
                                           const std::vector<std::string>& outputs) {
  std::vector<ReportRequest> requests;
  std::size_t format_index = 0, output_index = 0;
  for (const CLI::Option* option : command.parse_order()) {
    if (option->get_name() == "--format") {
      requests.push_back({formats.at(format_index++), {}});
    } else if (option->get_name() == "--out") {
      if (requests.empty() || !requests.back().file.empty()) {
        throw std::invalid_argument("--out " + outputs.at(output_index) + " follows no --format of its own");
      }
      requests.back().file = outputs.at(output_index++);
    }
  }
  if (requests.empty()) requests.push_back({"table", {}});
  return requests;
}

int grade_command(const CourseTree& tree, const GradeOptions& options, const std::vector<ReportRequest>& requests) {
  std::vector<ReportFormat> formats;
  for (const auto& request : requests) formats.push_back(parse_report_format(request.format));  // before the long run
  const GradeReport report = grade(tree, options, std::cerr);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].file.empty()) {
      write_report(std::cout, report, formats[i]);
      continue;
    }
    std::ofstream file(requests[i].file);
    write_report(file, report, formats[i]);
    if (!file.flush()) throw std::runtime_error("cannot write " + requests[i].file);
    std::cerr << "wrote the " << requests[i].format << " report to " << requests[i].file << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Threadlings: concurrency in C++20, the Python way.", "threadlings");
  const CourseTree tree{THREADLINGS_SOURCE_DIR, THREADLINGS_BINARY_DIR};
  bool no_color = false;
  app.add_flag("--no-color", no_color, "plain output (NO_COLOR in the environment does the same)");
  app.require_subcommand(0, 1);
  app.fallthrough();  // --no-color is accepted after the subcommand too

  app.add_subcommand("list", "every lesson with its status, and the next one to open (the default)");
  auto* check_command = app.add_subcommand("check", "build and test one lesson; exit 0 only when all its tests pass");
  std::string check_lesson_name;
  check_command->add_option("lesson", check_lesson_name, "lesson number (default: the first unfinished)");
  auto* hint_command = app.add_subcommand("hint", "show a lesson's hints, one layer at a time");
  std::string hint_lesson_name;
  std::optional<int> hint_level;
  hint_command->add_option("lesson", hint_lesson_name, "lesson number")->required();
  hint_command->add_option("--level,-l", hint_level, "1 the concept, 2 a pointer, 3 a near-answer (default: the next one)");
  auto* watch_command = app.add_subcommand("watch", "re-check a lesson whenever you save one of its files; move on when it passes");
  std::string watch_lesson_name;
  WatchOptions watch_options;
  watch_command->add_option("lesson", watch_lesson_name, "lesson number (default: the first unfinished)");
  watch_command->add_flag("--poll", watch_options.poll, "look at file times instead of inotify (for mounted folders)");
  watch_command->add_flag("--once", watch_options.once, "stop after the first re-check");
  auto* reset_command = app.add_subcommand("reset", "put a lesson's exercise files back as they were handed out");
  std::string reset_lesson_name;
  bool reset_yes = false;
  reset_command->add_option("lesson", reset_lesson_name, "lesson number")->required();
  reset_command->add_flag("--yes,-y", reset_yes, "do not ask before discarding your changes");
  auto* grade_command_line = app.add_subcommand("grade", "grade every lesson: each test in its own process, points from lesson.json");
  GradeOptions grade_options;
  grade_options.jobs = std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::string> grade_formats, grade_outputs;
  std::string tests_from, submission, sanitizer;
  long timeout_seconds = 60;
  grade_command_line->add_option("--tests-from", tests_from, "the instructor's pristine course: its tests, manifests and CMake files are used");
  grade_command_line->add_option("--submission", submission, "the copy to grade (default: the one this tool was built from)");
  grade_command_line->add_option("--sanitize", sanitizer, "also run every test under ThreadSanitizer or ASan+UBSan")
      ->check(CLI::IsMember({"thread", "address"}));
  grade_command_line->add_option("--lesson", grade_options.lessons, "grade only these lessons (repeatable)");
  grade_command_line->add_option("--format", grade_formats, "table, json, junit, gradescope or markdown (repeatable)")
      ->check(CLI::IsMember({"table", "json", "junit", "gradescope", "markdown"}));
  grade_command_line->add_option("--out", grade_outputs, "file for the --format just before it (default: stdout)");
  grade_command_line->add_option("--timeout", timeout_seconds, "seconds per test before it is killed")->check(CLI::PositiveNumber);
  grade_command_line->add_option("--jobs,-j", grade_options.jobs, "tests run at the same time")->check(CLI::PositiveNumber);
  auto* export_command = app.add_subcommand("export-student", "write the copy a class receives (no solutions, hidden tests or mutants)");
  std::string export_destination;
  export_command->add_option("destination", export_destination, "an empty or new folder")->required();
  auto* run_command = app.add_subcommand("run", "run a lesson's demo with your code: run NN [demo] [demo flags]");
  run_command->prefix_command();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kUsageError;
  }

  const bool color = use_color(no_color);
  try {
    if (*check_command) return check(tree, check_lesson_name, color);
    if (*hint_command) {
      show_hints(std::cout, tree, find_lesson(tree, hint_lesson_name), hint_level);
      return 0;
    }
    if (*run_command) return run(tree, run_command->remaining());
    if (*reset_command) {
      (void)reset_lesson(std::cout, std::cin, ::isatty(STDIN_FILENO) == 1, tree,
                         find_lesson(tree, reset_lesson_name), reset_yes);
      return 0;
    }
    if (*grade_command_line) {
      if (!tests_from.empty()) grade_options.tests_from = tests_from;
      if (!submission.empty()) grade_options.submission = submission;
      if (!sanitizer.empty()) grade_options.sanitizer = sanitizer;
      for (auto& lesson : grade_options.lessons) lesson = find_lesson(tree, lesson).number;
      grade_options.timeout = std::chrono::seconds(timeout_seconds);
      const auto requests = report_requests(*grade_command_line, grade_formats, grade_outputs);
      return grade_command(tree, grade_options, requests);
    }
    if (*export_command) {
      export_student(std::cout, tree, export_destination);
      return 0;
    }
    if (*watch_command) {
      watch_options.color = color;
      std::optional<Lesson> lesson;
      if (!watch_lesson_name.empty()) lesson = find_lesson(tree, watch_lesson_name);
      return watch(std::cout, tree, lesson, watch_options);
    }
    return list(tree, color);
  } catch (const UnknownLesson& error) {
    std::cerr << "threadlings: " << error.what() << "\n\n" << app.help();
    return kUsageError;
  } catch (const std::invalid_argument& error) {
    std::cerr << "threadlings: " << error.what() << '\n';
    return kUsageError;
  } catch (const CLI::ValidationError& error) {
    std::cerr << "threadlings: " << error.what() << '\n';
    return kUsageError;
  } catch (const ManifestError& error) {
    std::cerr << "threadlings: bad lesson manifest: " << error.what() << '\n';
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "threadlings: " << error.what() << '\n';
    return 1;
  }
}
