#include "classroom.hpp"

#include <cmath>
#include <sstream>

namespace threadlings::cli {
namespace {

// A YAML double-quoted scalar: safe whatever a lesson's title holds (colons, quotes, #).
std::string quoted(const std::string& text) {
  std::string result = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') result += '\\';
    result += c;
  }
  return result + "\"";
}

}  // namespace

std::string classroom_workflow(const std::vector<ClassroomLesson>& lessons) {
  std::ostringstream yaml;
  yaml << "# Written by `threadlings export-student`: one graded step per lesson, its points from\n"
          "# lessons/NN_slug/lesson.json. Regenerate it rather than editing it.\n"
          "name: Autograding Tests\n"
          "'on': [push, repository_dispatch]\n"
          "permissions:\n  checks: write\n  actions: read\n  contents: read\n"
          "jobs:\n  run-autograding-tests:\n    runs-on: ubuntu-latest\n"
          "    if: github.actor != 'github-classroom[bot]'\n"
          "    steps:\n"
          "    - name: Checkout code\n      uses: actions/checkout@v4\n"
          "    - name: Install the course's packages\n"
          "      run: sudo apt-get update && sudo apt-get install -y cmake ninja-build g++ lld patch "
          "libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev\n";
  std::string runners, environment;
  for (const auto& [lesson, points] : lessons) {
    const std::string id = "lesson-" + lesson.number;
    yaml << "    - name: " << quoted("Lesson " + lesson.number + ", " + lesson.title) << "\n"
         << "      id: " << id << "\n"
         << "      uses: classroom-resources/autograding-command-grader@v1\n"
         << "      with:\n"
         << "        test-name: " << quoted("Lesson " + lesson.number) << "\n"
         << "        setup-command: cmake --preset student -DTHREADLINGS_LESSONS=" << lesson.number << "\n"
         << "        command: cmake --build --preset student && ctest --preset student -L lesson" << lesson.number << "\n"
         << "        timeout: 15\n"
         << "        max-score: " << std::lround(points) << "\n";
    runners += (runners.empty() ? "" : ",") + id;
    std::string variable = "LESSON-" + lesson.number + "_RESULTS";
    environment += "        " + variable + ": \"${{steps." + id + ".outputs.result}}\"\n";
  }
  yaml << "    - name: Autograding Reporter\n"
       << "      uses: classroom-resources/autograding-grading-reporter@v1\n"
       << "      env:\n" << environment
       << "      with:\n        runners: " << runners << "\n";
  return yaml.str();
}

}  // namespace threadlings::cli
