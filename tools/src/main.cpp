// threadlings: the student's and instructor's command-line tool.
//   threadlings [list]              progress per lesson, and the next lesson to open
//   threadlings check [NN]          build and test one lesson (default: the first unfinished one)
//   threadlings hint NN [--level k] the lesson's hints, one layer at a time
//   threadlings run NN [demo] [...] a lesson's demo, running your exercise code
//   threadlings watch [NN]          re-check whenever an exercise file changes
//   threadlings reset NN [--yes]    put a lesson's exercise files back as handed out
// Exit codes: 0 success, 1 tests fail or something failed, 2 bad usage (with a usage message).
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "check.hpp"
#include "course.hpp"
#include "hint.hpp"
#include "progress.hpp"
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
  } catch (const std::exception& error) {
    std::cerr << "threadlings: " << error.what() << '\n';
    return 1;
  }
}
