// bench/render/svg_chart.cpp: drawing ProgramResults as SVG (see svg_chart.hpp). Plain SVG 1.1 text, no
// script, no external font or style sheet, so that it shows the same in a browser, on GitHub and in
// the Doxygen site.
#include "svg_chart.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "threadlings/xml_escape.hpp"

namespace threadlings::bench::render {

namespace {

constexpr int kWidth = 1000;
constexpr int kMargin = 20;
constexpr int kLabelWidth = 380;  // the sides' names, right-aligned against the bars
constexpr int kBarWidth = 340;    // the longest bar of a panel
constexpr int kRowHeight = 24;
constexpr int kRatioHeight = 18;
constexpr std::size_t kLongestNote = 88;  // characters of a "missing: why" note that fit beside the bars
constexpr const char* kOursColor = "#3b6fb6";
constexpr const char* kPeerColor = "#e08a2c";
constexpr const char* kMissingColor = "#9a9a9a";

std::string fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// Draws into an SVG body from top to bottom; `next_y` is where the next row begins.
//
// Thread-safety: a local helper, used by one thread.
class Canvas {
 public:
  void text(int x, int y, std::string_view content, std::string_view style = {}, std::string_view anchor = "start") {
    body_ << "  <text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor << '"';
    if (!style.empty()) body_ << ' ' << style;
    body_ << '>' << xml_escape(content) << "</text>\n";
  }
  void rect(int x, int y, int width, int height, std::string_view fill) {
    body_ << "  <rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << width << "\" height=\"" << height
          << "\" fill=\"" << fill << "\"/>\n";
  }
  void line(int x1, int y1, int x2, int y2) {
    body_ << "  <line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\"" << y2
          << "\" stroke=\"#cccccc\"/>\n";
  }
  int next_y = 0;  // where the next row begins
  [[nodiscard]] std::string body() const { return body_.str(); }

 private:
  std::ostringstream body_;
};

void draw_comparison(Canvas& canvas, const Comparison& comparison) {
  canvas.next_y += 10;
  canvas.line(kMargin, canvas.next_y, kWidth - kMargin, canvas.next_y);
  canvas.next_y += 22;
  canvas.text(kMargin, canvas.next_y, comparison.name, R"(font-size="15" font-weight="bold")");
  if (!comparison.description.empty()) {
    canvas.next_y += 18;
    canvas.text(kMargin, canvas.next_y, comparison.description, R"(font-size="12" fill="#555555")");
  }
  canvas.next_y += 10;

  double longest = 0.0;
  for (const Side& side : comparison.sides) longest = std::max(longest, side.seconds_per_op.value_or(0.0));
  const std::vector<Ratio> all_ratios = ratios(comparison);
  const bool several_ours = std::count_if(comparison.sides.begin(), comparison.sides.end(),
                                          [](const Side& s) { return s.name.role == Role::ours; }) > 1;
  const int bar_x = kMargin + kLabelWidth;

  for (const Side& side : comparison.sides) {
    const bool ours = side.name.role == Role::ours;
    const int top = canvas.next_y + 4;
    canvas.text(bar_x - 8, top + 15, side.name.label, R"(font-size="12")", "end");
    if (side.seconds_per_op && longest > 0.0) {
      const int width = std::max(1, static_cast<int>(kBarWidth * (*side.seconds_per_op / longest) + 0.5));
      canvas.rect(bar_x, top + 2, width, kRowHeight - 6, ours ? kOursColor : kPeerColor);
      canvas.text(bar_x + width + 6, top + 15, format_seconds(*side.seconds_per_op), R"(font-size="12")");
    } else {
      canvas.rect(bar_x, top + 2, 4, kRowHeight - 6, kMissingColor);
      std::string why = side.missing.empty() ? "did not run" : "missing: " + side.missing;
      if (why.size() > kLongestNote) why = why.substr(0, kLongestNote - 3) + "...";  // the rest is in the JSON
      canvas.text(bar_x + 10, top + 15, why, R"(font-size="12" fill="#777777" font-style="italic")");
    }
    canvas.next_y += kRowHeight;
    if (ours) continue;
    for (const Ratio& ratio : all_ratios) {
      if (ratio.peer != &side || !ratio.value) continue;
      std::string label = "ours / peer = " + format_ratio(*ratio.value);
      if (several_ours) label += "   (" + ratio.ours->name.label + ")";
      const bool slower = *ratio.value > 1.0;
      canvas.text(bar_x + 10, canvas.next_y + 12, label,
                  slower ? R"(font-size="12" font-weight="bold" fill="#a33c1c")"
                         : R"(font-size="12" font-weight="bold" fill="#2a7a3a")");
      canvas.next_y += kRatioHeight;
    }
  }
}

}  // namespace

std::string svg_chart(const ProgramResults& results) {
  // The programs' titles begin with their own name, which is the chart's heading already.
  std::string_view title = results.title;
  if (const std::string prefix = results.program + ": "; title.substr(0, prefix.size()) == prefix) {
    title.remove_prefix(prefix.size());
  }
  Canvas canvas;
  canvas.next_y = 32;
  canvas.text(kMargin, canvas.next_y, results.program, R"(font-size="20" font-weight="bold")");
  canvas.next_y += 22;
  canvas.text(kMargin, canvas.next_y, title, R"(font-size="13")");
  canvas.next_y += 20;
  canvas.text(kMargin, canvas.next_y,
              std::string("Time per operation (") + (results.medians ? "median of the repetitions" : "mean") +
                  "); shorter is faster. ours / peer above 1.00x: ours takes longer (red); below: faster (green).",
              R"(font-size="12" fill="#555555")");
  canvas.next_y += 22;
  canvas.rect(kMargin, canvas.next_y - 11, 12, 12, kOursColor);
  canvas.text(kMargin + 18, canvas.next_y, "ours: the course's reference code (or the subject measured)", R"(font-size="12")");
  canvas.rect(kMargin + 430, canvas.next_y - 11, 12, 12, kPeerColor);
  canvas.text(kMargin + 448, canvas.next_y, "peer: raw POSIX, std, oneTBB, moodycamel, CPython", R"(font-size="12")");
  canvas.next_y += 6;

  for (const Comparison& comparison : results.comparisons) draw_comparison(canvas, comparison);

  canvas.next_y += 14;
  canvas.line(kMargin, canvas.next_y, kWidth - kMargin, canvas.next_y);
  canvas.next_y += 18;
  std::string machine = results.host.empty() ? "this machine" : results.host;
  if (results.cpus > 0) machine += ", " + std::to_string(results.cpus) + " CPUs";
  if (results.load_avg.size() == 3) {
    machine += ", load average " + fixed(results.load_avg[0], 2) + " " + fixed(results.load_avg[1], 2) + " " +
               fixed(results.load_avg[2], 2);
  }
  if (!results.date.empty()) machine += ", " + results.date;
  canvas.text(kMargin, canvas.next_y, machine + ". The figures belong to that machine and its load: they are not assertions.",
              R"(font-size="11" fill="#777777")");
  canvas.next_y += 16;

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << canvas.next_y << "\" viewBox=\"0 0 "
      << kWidth << ' ' << canvas.next_y << "\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
      << "  <title>" << xml_escape(results.program + ": " + std::string(title)) << "</title>\n"
      << "  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
      << canvas.body() << "</svg>\n";
  return svg.str();
}

}  // namespace threadlings::bench::render
