#include "reset.hpp"

#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "command.hpp"

namespace threadlings::cli {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

std::map<std::string, std::string> pristine_exercise(const CourseTree& tree, const Lesson& lesson) {
  std::map<std::string, std::string> files;
  const auto kept = tree.source / ".threadlings" / "pristine" / "exercises" / lesson.folder;
  if (std::filesystem::is_directory(kept)) {
    for (const auto& entry : std::filesystem::directory_iterator(kept)) {
      files["exercises/" + lesson.folder + "/" + entry.path().filename().string()] = read_file(entry.path());
    }
    return files;
  }
  const auto listing = run_command({"git", "-C", tree.source.string(), "ls-tree", "--name-only", "HEAD",
                                    "exercises/" + lesson.folder + "/"});
  std::istringstream names(listing.output);
  for (std::string name; listing.exit_code == 0 && std::getline(names, name);) {
    const auto content = run_command({"git", "-C", tree.source.string(), "show", "HEAD:" + name});
    if (content.exit_code == 0) files[name] = content.output;
  }
  if (files.empty()) {
    throw std::runtime_error("no handed-out copy of exercises/" + lesson.folder +
                             " to restore (neither .threadlings/pristine/ nor git has one)");
  }
  return files;
}

int reset_lesson(std::ostream& out, std::istream& in, bool in_is_terminal, const CourseTree& tree,
                 const Lesson& lesson, bool assume_yes) {
  const auto pristine = pristine_exercise(tree, lesson);
  std::vector<std::string> changed;
  for (const auto& [name, content] : pristine) {
    const auto path = tree.source / name;
    if (!std::filesystem::exists(path) || read_file(path) != content) changed.push_back(name);
  }
  if (changed.empty()) {
    out << "exercises/" << lesson.folder << " is as handed out: nothing to reset.\n";
    return 0;
  }
  out << "This puts back the handed-out version of:\n";
  for (const auto& name : changed) out << "  " << name << '\n';
  if (!assume_yes) {
    if (!in_is_terminal) {
      throw std::invalid_argument("reset would discard your changes; say --yes to do it without asking");
    }
    out << "Your changes to these files will be lost. Reset? [y/N] " << std::flush;
    std::string answer;
    std::getline(in, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      out << "Nothing changed.\n";
      return 0;
    }
  }
  for (const auto& name : changed) {
    std::ofstream file(tree.source / name, std::ios::binary | std::ios::trunc);
    file << pristine.at(name);
    if (!file.flush()) throw std::runtime_error("cannot write " + name);
  }
  out << "Restored " << changed.size() << " file(s) of lesson " << lesson.number << ".\n";
  return static_cast<int>(changed.size());
}

}  // namespace threadlings::cli
