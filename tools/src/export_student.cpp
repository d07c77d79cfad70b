#include "export_student.hpp"

#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <stdexcept>

#include "classroom.hpp"
#include "manifest.hpp"
#include "reset.hpp"
#include "tree_copy.hpp"

namespace threadlings::cli {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

void export_student(std::ostream& out, const CourseTree& tree, const std::filesystem::path& destination) {
  namespace fs = std::filesystem;
  if (fs::exists(destination) && !fs::is_empty(destination)) {
    throw std::invalid_argument("export-student: " + destination.string() + " exists and is not empty");
  }
  copy_tree(tree.source, destination, [](const fs::path& relative) {
    const std::string top = relative.begin()->string();
    if (top == "build" || top == ".git" || top == "solutions" || top == ".threadlings") return true;
    // tests/NN_slug/hidden and tests/NN_slug/mutants stay with the instructor.
    if (top == "tests" && std::distance(relative.begin(), relative.end()) >= 3) {
      const std::string part = std::next(relative.begin(), 2)->string();
      return part == "hidden" || part == "mutants";
    }
    return false;
  });
  // The handed-out exercise files, so that `reset` works without the course's git history.
  int lessons = 0;
  std::vector<ClassroomLesson> graded;
  for (const auto& lesson : find_lessons(tree)) {
    const std::string manifest = "lessons/" + lesson.folder + "/lesson.json";
    graded.push_back({lesson, read_manifest(tree.source / manifest, manifest).points});
    std::map<std::string, std::string> handed_out;
    try {
      handed_out = pristine_exercise(tree, lesson);
    } catch (const std::runtime_error&) {
      // A lesson not committed yet: its files as they are are all there is to hand out.
      for (const auto& name : exercise_files(tree, lesson)) handed_out[name] = read_text(tree.source / name);
    }
    for (const auto& [name, content] : handed_out) {
      const fs::path kept = destination / ".threadlings" / "pristine" / name;
      fs::create_directories(kept.parent_path());
      std::ofstream(kept, std::ios::binary) << content;
      // The copy's exercises/ gets the handed-out version too, not the exporter's work in progress.
      std::ofstream(destination / name, std::ios::binary | std::ios::trunc) << content;
    }
    ++lessons;
  }
  // GitHub Classroom runs this on every push of a student's repository.
  const fs::path workflow = destination / ".github" / "workflows" / "classroom.yml";
  fs::create_directories(workflow.parent_path());
  std::ofstream(workflow) << classroom_workflow(graded);

  out << "Wrote a student copy of " << lessons << " lessons to " << destination.string()
      << " (no solutions, hidden tests or mutants).\n"
      << "Try it: cd " << destination.string() << " && ./threadlings\n";
}

}  // namespace threadlings::cli
