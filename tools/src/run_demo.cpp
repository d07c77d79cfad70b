#include "run_demo.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

#include "command.hpp"

namespace threadlings::cli {

std::vector<std::string> lesson_demos(const CourseTree& tree, const Lesson& lesson) {
  std::vector<std::string> demos;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(tree.source / "lessons" / lesson.folder, error)) {
    if (entry.path().extension() == ".cpp") demos.push_back(entry.path().stem().string());
  }
  std::sort(demos.begin(), demos.end());
  return demos;
}

void exec_demo(const CourseTree& tree, const Lesson& lesson, const std::string& demo,
               const std::vector<std::string>& arguments) {
  const auto demos = lesson_demos(tree, lesson);
  std::string valid;
  for (const auto& name : demos) valid += " " + name;
  std::string chosen = demo;
  if (chosen.empty()) {
    if (demos.size() != 1) throw std::invalid_argument("lesson " + lesson.number + " has several demos; name one of:" + valid);
    chosen = demos.front();
  } else if (std::find(demos.begin(), demos.end(), chosen) == demos.end()) {
    throw std::invalid_argument("lesson " + lesson.number + " has no demo '" + chosen + "'; its demos are:" + valid);
  }
  const std::string target = "lesson" + lesson.number + "_" + chosen + "_exercise";
  const auto build = run_command({"cmake", "--build", tree.build.string(), "--target", target});
  if (build.exit_code != 0) {
    throw std::runtime_error("the demo does not build (does your exercise compile? ./threadlings check " +
                             lesson.number + ")");
  }
  const auto binary = tree.build / "demos" / "exercise" / lesson.folder / chosen;
  std::vector<std::string> argv{binary.string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  ::execv(raw[0], raw.data());
  throw std::system_error(errno, std::generic_category(), "cannot run " + binary.string());
}

}  // namespace threadlings::cli
