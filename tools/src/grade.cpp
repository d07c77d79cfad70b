#include "grade.hpp"

#include <algorithm>
#include <atomic>
#include <ostream>
#include <sstream>
#include <thread>

#include "command.hpp"
#include "lesson_run.hpp"
#include "manifest.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/testing/watchdog.hpp"
#include "timed_run.hpp"
#include "tree_copy.hpp"

namespace threadlings::cli {
namespace {

namespace fs = std::filesystem;


// The tree to build: the graded copy itself, or the instructor's course with its exercises/.
fs::path staged_source(const CourseTree& tree, const GradeOptions& options, std::ostream& log) {
  const fs::path graded = options.submission ? fs::absolute(*options.submission) : tree.source;
  if (!fs::is_directory(graded / "exercises")) {
    throw std::invalid_argument(graded.string() + " has no exercises/ folder to grade");
  }
  if (!options.tests_from) return graded;
  const fs::path instructor = fs::absolute(*options.tests_from);
  if (!fs::exists(instructor / "CMakeLists.txt") || !fs::is_directory(instructor / "tests")) {
    throw std::invalid_argument("--tests-from " + instructor.string() + " is not a Threadlings course");
  }
  const fs::path stage = tree.build.parent_path() / "grade-stage";
  log << "staging: " << instructor.string() << " with the exercises/ of " << graded.string() << '\n';
  // The stage is kept in step, not made anew: files that did not change keep their time stamps, so
  // grading the next submission rebuilds only what differs (usually the exercises).
  auto staged = copy_tree(instructor, stage, [](const fs::path& relative) {
    const std::string top = relative.begin()->string();
    return top == "build" || top == ".git" || top == "exercises" || top == "solutions";
  });
  staged.insert("exercises");
  const auto exercises = copy_tree(graded / "exercises", stage / "exercises", [](const fs::path&) { return false; });
  for (const auto& relative : exercises) staged.insert(fs::path("exercises") / relative);
  remove_all_except(stage, staged);
  return stage;
}

void configure(const fs::path& source, const fs::path& build, const std::optional<std::string>& sanitizer) {
  std::vector<std::string> command{"cmake", "-S", source.string(), "-B", build.string(), "-G", "Ninja",
                                   "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                                   "-DTHREADLINGS_EXERCISE_TRACK=ON", "-DTHREADLINGS_SOLUTION_TRACK=OFF",
                                   "-DTHREADLINGS_SELFCHECKS=OFF",
                                   "-DTHREADLINGS_SANITIZER=" + sanitizer.value_or("")};
  const auto result = run_command(command);
  if (result.exit_code != 0) {
    const auto tail = result.output.size() > 3000 ? result.output.substr(result.output.size() - 3000) : result.output;
    throw std::runtime_error("the course does not configure in " + build.string() + ":\n" + tail);
  }
}

// "Suite." lines followed by "  Case" lines, as --gtest_list_tests prints them.
std::vector<std::string> list_tests(const fs::path& binary) {
  const auto listing = run_command({binary.string(), "--gtest_list_tests"});
  std::vector<std::string> names;
  std::istringstream lines(listing.output);
  std::string line, suite;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      suite = line.substr(0, line.find(' '));
    } else {
      const auto begin = line.find_first_not_of(' ');
      names.push_back(suite + line.substr(begin, line.find(' ', begin) - begin));
    }
  }
  return names;
}

// One test case to run, and where its result goes.
struct Job {
  std::size_t lesson;
  std::size_t test;
  fs::path binary;
};

TestGrade::Status status_of(const TimedRunResult& run) {
  switch (run.ending) {
    case TimedRunResult::Ending::kTimedOut:
      return TestGrade::Status::kTimedOut;
    case TimedRunResult::Ending::kSignalled:
      return TestGrade::Status::kCrashed;
    case TimedRunResult::Ending::kExited:
      return run.code == 0 ? TestGrade::Status::kPassed
             : run.code == threadlings::testing::kWatchdogExitCode ? TestGrade::Status::kTimedOut
                                             : TestGrade::Status::kFailed;
  }
  return TestGrade::Status::kFailed;
}

// Runs every job on `jobs` threads; each job's test is written by exactly one worker, and read only
// after all workers are joined.
void run_jobs(const std::vector<Job>& jobs, std::vector<LessonGrade>& lessons, const GradeOptions& options,
              const std::string& variant) {
  std::atomic<std::size_t> next{0};
  const auto watchdog = std::to_string(std::max<long long>(1, options.timeout.count() / 2));
  auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < jobs.size(); i = next.fetch_add(1)) {
      const Job& job = jobs[i];
      TestGrade& test = lessons[job.lesson].tests[job.test];
      const auto run = run_with_timeout({job.binary.string(), "--gtest_filter=" + test.name},
                                        {"THREADLINGS_WATCHDOG_SECONDS=" + watchdog},
                                        std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout));
      const TestGrade::Status status = status_of(run);
      test.seconds += run.seconds;
      // The plain run sets the status; a sanitized run can only turn a pass into a failure.
      if (variant.empty() || test.status == TestGrade::Status::kPassed) test.status = status;
      if (status != TestGrade::Status::kPassed) {
        test.output += (variant.empty() ? "" : "[" + variant + " sanitizer] ") + run.output;
        if (status == TestGrade::Status::kTimedOut) {
          test.output += "\n(no result within the time limit: killed)\n";
        }
      }
    }
  };
  std::vector<std::jthread> workers;
  for (unsigned w = 0; w < std::max(1U, options.jobs); ++w) workers.emplace_back(work);
}

}  // namespace

const char* status_name(TestGrade::Status status) noexcept {
  switch (status) {
    case TestGrade::Status::kPassed: return "passed";
    case TestGrade::Status::kFailed: return "failed";
    case TestGrade::Status::kCrashed: return "crashed";
    case TestGrade::Status::kTimedOut: return "timed out";
    case TestGrade::Status::kNotCompiled: return "does not compile";
  }
  return "failed";
}

GradeReport grade(const CourseTree& tree, const GradeOptions& options, std::ostream& log) {
  Stopwatch stopwatch;
  GradeReport report;
  report.sanitizer = options.sanitizer.value_or("");
  const fs::path source = staged_source(tree, options, log);

  // The plain build always; the sanitized one in addition when asked for. A CMake cache belongs to
  // one source folder: the stage gets build folders of its own (reused from one submission to the
  // next), and a submission graded in place is built inside that submission, so grading several
  // copies one after the other never meets another copy's cache.
  const fs::path builds = options.tests_from ? tree.build.parent_path()
                          : options.submission ? source / "build"
                                               : tree.build.parent_path();
  const std::string base = options.tests_from ? "grade-staged" : "grade";
  std::vector<std::pair<std::string, fs::path>> variants{{"", builds / base}};
  if (options.sanitizer) {
    variants.emplace_back(*options.sanitizer, builds / (base + "-" + *options.sanitizer));
  }

  const CourseTree staged{source, variants.front().second};
  std::vector<LessonManifest> manifests;  // one per graded lesson, in the same order
  for (const auto& lesson : find_lessons(staged)) {
    if (!options.lessons.empty() &&
        std::find(options.lessons.begin(), options.lessons.end(), lesson.number) == options.lessons.end()) {
      continue;
    }
    const std::string manifest_path = "lessons/" + lesson.folder + "/lesson.json";
    manifests.push_back(read_manifest(source / manifest_path, manifest_path));
    LessonGrade lesson_grade{lesson, manifests.back().points, 0, true, {}};
    lesson_grade.lesson.title = manifests.back().title;
    report.lessons.push_back(std::move(lesson_grade));
  }

  for (std::size_t v = 0; v < variants.size(); ++v) {
    const auto& [variant, build] = variants[v];
    log << "configuring " << build.string() << (variant.empty() ? "" : " (" + variant + " sanitizer)") << '\n';
    configure(source, build, variant.empty() ? std::nullopt : std::optional<std::string>(variant));
    const CourseTree variant_tree{source, build};
    std::vector<Job> jobs;
    for (std::size_t l = 0; l < report.lessons.size(); ++l) {
      LessonGrade& lesson = report.lessons[l];
      if (!lesson.compiled) continue;
      log << "building lesson " << lesson.lesson.number << (variant.empty() ? "" : " (" + variant + ")") << '\n';
      const BuildOutcome built = build_lesson(variant_tree, lesson.lesson);
      if (built.state != BuildOutcome::State::kBuilt) {
        lesson.compiled = false;  // keep going: the other lessons are still graded
        lesson.tests.assign(1, TestGrade{"(build)", false, TestGrade::Status::kNotCompiled, 0, 0, lesson.points,
                                         built.first_error});
        continue;
      }
      // The hidden tests' binary exists only where the instructor put tests/NN_slug/hidden/.
      const std::string hidden_target = "lesson" + lesson.lesson.number + "_exercise_hidden_tests";
      const bool has_hidden = fs::is_directory(source / "tests" / lesson.lesson.folder / "hidden") &&
                              run_command({"cmake", "--build", build.string(), "--target", hidden_target}).exit_code == 0;
      const fs::path folder = build / "lessons" / lesson.lesson.folder;
      if (v == 0) {
        for (const auto& name : list_tests(folder / lesson.lesson.test_target())) {
          lesson.tests.push_back({name, false, TestGrade::Status::kPassed, 0, 0, 0, {}});
        }
        if (has_hidden) {
          for (const auto& name : list_tests(folder / hidden_target)) {
            lesson.tests.push_back({name, true, TestGrade::Status::kPassed, 0, 0, 0, {}});
          }
        }
        // A weight for a test that does not exist is the instructor's typo: say so before running.
        for (const auto& [weighted, weight] : manifests[l].weights) {
          if (std::none_of(lesson.tests.begin(), lesson.tests.end(),
                           [&](const TestGrade& test) { return test.name == weighted; })) {
            throw ManifestError("lessons/" + lesson.lesson.folder + "/lesson.json: 'weights." + weighted +
                                "' names no test of this lesson");
          }
        }
      }
      for (std::size_t t = 0; t < lesson.tests.size(); ++t) {
        jobs.push_back({l, t, folder / (lesson.tests[t].hidden ? hidden_target : lesson.lesson.test_target())});
      }
    }
    log << "running " << jobs.size() << " tests" << (variant.empty() ? "" : " under the " + variant + " sanitizer")
        << ", " << options.jobs << " at a time\n";
    run_jobs(jobs, report.lessons, options, variant);
  }

  // Points: a test's share is its weight over the lesson's total weight.
  for (std::size_t l = 0; l < report.lessons.size(); ++l) {
    LessonGrade& lesson = report.lessons[l];
    report.max_score += lesson.points;
    if (!lesson.compiled) continue;
    double total_weight = 0, passed_weight = 0;
    for (auto& test : lesson.tests) {
      const double weight = manifests[l].weight_of(test.name);
      total_weight += weight;
      if (test.status == TestGrade::Status::kPassed) passed_weight += weight;
    }
    for (auto& test : lesson.tests) {
      test.max_score = total_weight > 0 ? lesson.points * manifests[l].weight_of(test.name) / total_weight : 0;
      test.score = test.status == TestGrade::Status::kPassed ? test.max_score : 0;
    }
    // One division, not a sum of shares: a lesson done in full scores exactly its points.
    lesson.score = total_weight > 0 ? lesson.points * passed_weight / total_weight : 0;
    report.score += lesson.score;
  }
  report.seconds = stopwatch.elapsed_seconds();
  return report;
}

}  // namespace threadlings::cli
