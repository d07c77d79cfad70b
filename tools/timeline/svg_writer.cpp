// Writing: emits the SVG elements for a Layout; styling lives in one <style> block.
#include "svg_writer.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "threadlings/xml_escape.hpp"

namespace threadlings::timeline {
namespace {

// Tableau 10, then two more: distinct hues that stay apart for most colour-blind readers.
constexpr std::array<const char*, 12> kPalette{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                               "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f3b73", "#8cd17d"};
// Which palette entries are light enough to need dark text on top.
constexpr std::array<bool, 12> kLight{false, false, false, true, false, true, false, true, false, true, false, true};

// A coordinate with at most one decimal, without a trailing ".0": the file stays small.
std::string px(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", std::round(value * 10) / 10);
  std::string result = text;
  if (result.size() > 2 && result.ends_with(".0")) result.resize(result.size() - 2);
  if (result == "-0") result = "0";
  return result;
}

std::string ms(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.3f" : value < 1000 ? "%.2f" : "%.1f", value);
  return text;
}

}  // namespace

void write_svg(std::ostream& out, const Layout& layout) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << px(layout.width) << "\" height=\""
      << px(layout.height) << "\" viewBox=\"0 0 " << px(layout.width) << ' ' << px(layout.height) << "\">\n"
      << "<title>" << xml_escape(layout.title) << "</title>\n"
      << "<style>\n"
      << "text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:12px;fill:#222}\n"
      << ".title{font-size:16px;font-weight:bold}.subtitle,.tick,.note{font-size:11px;fill:#555}\n"
      << ".group{font-weight:bold}.bar-label{font-size:10px;fill:#fff;pointer-events:none}.bar-label.dark{fill:#222}\n"
      << ".lane{fill:#f3f3f3}.grid{stroke:#ddd;stroke-width:1}.axis{stroke:#555;stroke-width:1}\n";
  for (std::size_t i = 0; i < kPalette.size(); ++i) out << ".c" << i << "{fill:" << kPalette[i] << "}";
  out << "\n</style>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      << "<text class=\"title\" x=\"16\" y=\"28\">" << xml_escape(layout.title) << "</text>\n"
      << "<text class=\"subtitle\" x=\"16\" y=\"46\">" << xml_escape(layout.subtitle) << "</text>\n";

  out << "<g class=\"rows\">\n";
  for (const Row& row : layout.rows) {
    const double height = row.lanes * layout.lane_height + (row.lanes - 1) * 2;
    if (!row.group_header.empty()) {
      out << "<text class=\"group\" x=\"" << px(layout.label_x) << "\" y=\"" << px(row.y - 5) << "\">"
          << xml_escape(row.group_header) << "</text>\n";
    }
    out << "<rect class=\"lane\" x=\"" << px(layout.plot_left) << "\" y=\"" << px(row.y) << "\" width=\""
        << px(layout.plot_right - layout.plot_left) << "\" height=\"" << px(height) << "\"/>"
        << "<text class=\"row-label\" x=\"" << px(layout.row_label_x) << "\" y=\"" << px(row.y + height / 2 + 4)
        << "\">" << xml_escape(row.label) << "</text>\n";
  }
  out << "</g>\n<g>\n";
  for (const Tick& tick : layout.ticks) {
    out << "<line class=\"grid\" x1=\"" << px(tick.x) << "\" x2=\"" << px(tick.x) << "\" y1=\""
        << px(layout.plot_top - 4) << "\" y2=\"" << px(layout.plot_bottom) << "\"/>";
  }
  out << "\n</g>\n<g class=\"bars\">\n";
  for (const Bar& bar : layout.bars) {
    const std::size_t colour = bar.colour % kPalette.size();
    out << "<rect class=\"bar c" << colour << "\" x=\"" << px(bar.x) << "\" y=\"" << px(bar.y) << "\" width=\""
        << px(bar.width) << "\" height=\"" << px(bar.height) << "\"><title>" << xml_escape(bar.name) << ": "
        << ms(bar.begin_ms) << "\u2013" << ms(bar.end_ms) << " ms";
    if (bar.merged > 1) out << " (" << bar.merged << " spans)";
    out << "</title></rect>\n";
    if (bar.label_fits) {
      out << "<text class=\"bar-label" << (kLight[colour] ? " dark" : "") << "\" x=\"" << px(bar.x + 3) << "\" y=\""
          << px(bar.y + bar.height / 2 + 3.5) << "\">" << xml_escape(bar.name) << "</text>\n";
    }
  }
  out << "</g>\n<g>\n";
  out << "<line class=\"axis\" x1=\"" << px(layout.plot_left) << "\" x2=\"" << px(layout.plot_right) << "\" y1=\""
      << px(layout.plot_bottom) << "\" y2=\"" << px(layout.plot_bottom) << "\"/>\n";
  for (const Tick& tick : layout.ticks) {
    out << "<line class=\"axis\" x1=\"" << px(tick.x) << "\" x2=\"" << px(tick.x) << "\" y1=\""
        << px(layout.plot_bottom) << "\" y2=\"" << px(layout.plot_bottom + 4) << "\"/><text class=\"tick\" x=\""
        << px(tick.x) << "\" y=\"" << px(layout.plot_bottom + 16) << "\" text-anchor=\"middle\">"
        << xml_escape(tick.label) << "</text>\n";
  }
  out << "<text class=\"tick\" x=\"" << px(layout.plot_right) << "\" y=\"" << px(layout.plot_bottom + 30)
      << "\" text-anchor=\"end\">" << xml_escape(layout.axis_label) << "</text>\n</g>\n<g class=\"legend\">\n";
  for (const LegendEntry& entry : layout.legend) {
    out << "<rect class=\"swatch c" << entry.colour % kPalette.size() << "\" x=\"" << px(entry.x) << "\" y=\""
        << px(entry.y - 10) << "\" width=\"10\" height=\"10\"/><text class=\"legend-entry\" x=\"" << px(entry.x + 14)
        << "\" y=\"" << px(entry.y) << "\">" << xml_escape(entry.name) << "</text>\n";
  }
  out << "</g>\n";
  double y = layout.footnote_y;
  for (const std::string& note : layout.footnotes) {
    y += 15;
    out << "<text class=\"note\" x=\"16\" y=\"" << px(y - 4) << "\">" << xml_escape(note) << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace threadlings::timeline
