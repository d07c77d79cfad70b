#pragma once
/// @file
/// Writing a grade in the forms graders read: a table, JSON, JUnit XML, Gradescope, Markdown.

#include <iosfwd>
#include <string>

#include "grade.hpp"

namespace threadlings::cli {

enum class ReportFormat { kTable, kJson, kJunit, kGradescope, kMarkdown };

/// "table", "json", "junit", "gradescope" or "markdown". Throws std::invalid_argument otherwise.
[[nodiscard]] ReportFormat parse_report_format(const std::string& name);

/// Writes `report` in `format`:
/// - table: a human summary per lesson, then every test that did not pass;
/// - json: {score, max_score, seconds, sanitizer, lessons: [{number, title, points, score, compiled,
///   tests: [{name, hidden, status, seconds, score, max_score, output}]}]};
/// - junit: <testsuites> with one <testsuite> per lesson and one <testcase> per test;
/// - gradescope: Gradescope's results.json (score, max_score, execution_time, output, tests[] with
///   name, score, max_score, status, output, visibility: hidden tests are "after_published");
/// - markdown: a report for a pull request or an issue.
void write_report(std::ostream& out, const GradeReport& report, ReportFormat format);

}  // namespace threadlings::cli
