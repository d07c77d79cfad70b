// threadlings: the student's and instructor's command-line tool. This first version shows
// progress; the commands of the CLI issue (check, hint, watch, run, reset, grade, export-student)
// join it here.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "progress.hpp"

namespace {

bool use_color(bool no_color_flag) {
  return !no_color_flag && std::getenv("NO_COLOR") == nullptr && ::isatty(STDOUT_FILENO) == 1;
}

int list(const threadlings::cli::CourseTree& tree, bool color) {
  std::vector<threadlings::cli::LessonProgress> lessons;
  for (const auto& folder : threadlings::cli::lesson_folders(tree)) {
    lessons.push_back(threadlings::cli::measure_lesson(tree, folder));
  }
  threadlings::cli::print_progress(std::cout, tree, lessons, color);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Threadlings: concurrency in C++20, the Python way. Shows your progress per lesson.");
  threadlings::cli::CourseTree tree{THREADLINGS_SOURCE_DIR, THREADLINGS_BINARY_DIR};
  bool no_color = false;
  app.add_flag("--no-color", no_color, "plain output (NO_COLOR in the environment does the same)");
  app.add_subcommand("list", "every lesson with its status, and the next one to open (the default)");
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return 2;
  }
  try {
    return list(tree, use_color(no_color));
  } catch (const std::exception& error) {
    std::cerr << "threadlings: " << error.what() << '\n';
    return 1;
  }
}
