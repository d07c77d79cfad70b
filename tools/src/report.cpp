#include "report.hpp"

#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace threadlings::cli {
namespace {

std::string points(double value) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(std::fabs(value - std::round(value)) < 1e-9 ? 0 : 2) << value;
  return text.str();
}

int count_passed(const LessonGrade& lesson) {
  int passed = 0;
  for (const auto& test : lesson.tests) passed += test.status == TestGrade::Status::kPassed ? 1 : 0;
  return passed;
}

// A test's output may hold any bytes; JSON must be UTF-8, so invalid sequences become U+FFFD.
std::string dump(const nlohmann::json& document) {
  return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write_json(std::ostream& out, const GradeReport& report) {
  nlohmann::json lessons = nlohmann::json::array();
  for (const auto& lesson : report.lessons) {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& test : lesson.tests) {
      tests.push_back({{"name", test.name}, {"hidden", test.hidden}, {"status", status_name(test.status)},
                       {"seconds", test.seconds}, {"score", test.score}, {"max_score", test.max_score},
                       {"output", test.output}});
    }
    lessons.push_back({{"number", lesson.lesson.number}, {"folder", lesson.lesson.folder},
                       {"title", lesson.lesson.title}, {"points", lesson.points}, {"score", lesson.score},
                       {"compiled", lesson.compiled}, {"tests", std::move(tests)}});
  }
  out << dump({{"score", report.score}, {"max_score", report.max_score}, {"seconds", report.seconds},
               {"sanitizer", report.sanitizer}, {"lessons", std::move(lessons)}})
      << '\n';
}

void write_gradescope(std::ostream& out, const GradeReport& report) {
  nlohmann::json tests = nlohmann::json::array();
  std::string summary;
  for (const auto& lesson : report.lessons) {
    summary += "Lesson " + lesson.lesson.number + " (" + lesson.lesson.title + "): " + points(lesson.score) + " / " +
               points(lesson.points) + (lesson.compiled ? "" : " (does not compile)") + "\n";
    for (const auto& test : lesson.tests) {
      tests.push_back({{"name", "Lesson " + lesson.lesson.number + ": " + test.name},
                       {"score", test.score},
                       {"max_score", test.max_score},
                       {"status", test.status == TestGrade::Status::kPassed ? "passed" : "failed"},
                       {"output", test.status == TestGrade::Status::kPassed
                                      ? std::string()
                                      : std::string(status_name(test.status)) + "\n" + test.output},
                       {"visibility", test.hidden ? "after_published" : "visible"}});
    }
  }
  if (!report.sanitizer.empty()) summary += "Every test also ran under the " + report.sanitizer + " sanitizer.\n";
  out << dump({{"score", report.score}, {"max_score", report.max_score}, {"execution_time", report.seconds},
               {"output", summary}, {"tests", std::move(tests)}})
      << '\n';
}

// XML 1.0 text: the five special characters escaped, characters XML cannot carry dropped.
std::string xml(const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t' || c == '\r') escaped += c;
    }
  }
  return escaped;
}

void write_junit(std::ostream& out, const GradeReport& report) {
  int tests = 0, failures = 0;
  for (const auto& lesson : report.lessons) {
    tests += static_cast<int>(lesson.tests.size());
    failures += static_cast<int>(lesson.tests.size()) - count_passed(lesson);
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"threadlings\" tests=\"" << tests << "\" failures=\"" << failures << "\" time=\""
      << report.seconds << "\">\n";
  for (const auto& lesson : report.lessons) {
    const int lesson_failures = static_cast<int>(lesson.tests.size()) - count_passed(lesson);
    out << "  <testsuite name=\"lesson" << lesson.lesson.number << "\" tests=\"" << lesson.tests.size()
        << "\" failures=\"" << lesson_failures << "\">\n";
    for (const auto& test : lesson.tests) {
      out << "    <testcase classname=\"lesson" << lesson.lesson.number << "\" name=\"" << xml(test.name)
          << "\" time=\"" << test.seconds << "\"";
      if (test.status == TestGrade::Status::kPassed) {
        out << "/>\n";
        continue;
      }
      out << ">\n      <failure message=\"" << status_name(test.status) << "\">" << xml(test.output)
          << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

void write_markdown(std::ostream& out, const GradeReport& report) {
  out << "# Threadlings grade: " << points(report.score) << " / " << points(report.max_score) << "\n\n"
      << "| lesson | score | tests passed |\n|---|---|---|\n";
  for (const auto& lesson : report.lessons) {
    out << "| " << lesson.lesson.number << " " << lesson.lesson.title << " | " << points(lesson.score) << " / "
        << points(lesson.points) << " | "
        << (lesson.compiled ? std::to_string(count_passed(lesson)) + " of " + std::to_string(lesson.tests.size())
                            : std::string("does not compile"))
        << " |\n";
  }
  for (const auto& lesson : report.lessons) {
    for (const auto& test : lesson.tests) {
      if (test.status == TestGrade::Status::kPassed) continue;
      out << "\n<details><summary>lesson " << lesson.lesson.number << ": " << test.name << " ("
          << status_name(test.status) << ")</summary>\n\n```\n" << test.output << "\n```\n</details>\n";
    }
  }
  if (!report.sanitizer.empty()) out << "\nEvery test also ran under the " << report.sanitizer << " sanitizer.\n";
}

void write_table(std::ostream& out, const GradeReport& report) {
  out << "\n";
  for (const auto& lesson : report.lessons) {
    std::string title = lesson.lesson.title;
    title.resize(std::max<std::size_t>(title.size(), 26), ' ');
    out << "  " << lesson.lesson.number << "  " << title << std::setw(8) << points(lesson.score) << " / "
        << std::left << std::setw(6) << points(lesson.points) << std::right
        << (lesson.compiled ? std::to_string(count_passed(lesson)) + " of " + std::to_string(lesson.tests.size()) +
                                  " tests"
                            : std::string("does not compile"))
        << '\n';
  }
  out << "\n  total " << points(report.score) << " / " << points(report.max_score) << "   (" << std::fixed
      << std::setprecision(1) << report.seconds << " s" << (report.sanitizer.empty() ? "" : ", with " + report.sanitizer + " sanitizer")
      << ")\n" << std::defaultfloat;
  for (const auto& lesson : report.lessons) {
    for (const auto& test : lesson.tests) {
      if (test.status == TestGrade::Status::kPassed) continue;
      out << "\n  lesson " << lesson.lesson.number << " " << test.name << ": " << status_name(test.status) << '\n';
    }
  }
}

}  // namespace

ReportFormat parse_report_format(const std::string& name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "json") return ReportFormat::kJson;
  if (name == "junit") return ReportFormat::kJunit;
  if (name == "gradescope") return ReportFormat::kGradescope;
  if (name == "markdown") return ReportFormat::kMarkdown;
  throw std::invalid_argument("unknown format '" + name + "'; use table, json, junit, gradescope or markdown");
}

void write_report(std::ostream& out, const GradeReport& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::kTable: write_table(out, report); break;
    case ReportFormat::kJson: write_json(out, report); break;
    case ReportFormat::kJunit: write_junit(out, report); break;
    case ReportFormat::kGradescope: write_gradescope(out, report); break;
    case ReportFormat::kMarkdown: write_markdown(out, report); break;
  }
}

}  // namespace threadlings::cli
