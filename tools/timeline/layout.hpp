// Laying out: decides what a timeline picture shows and where, in pixels. Rows (one per thread,
// grouped under their process), bars, the time axis, the legend, titles and footnotes. Knows neither
// the trace file's format nor SVG: trace_events.hpp reads, svg_writer.hpp draws.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "trace_events.hpp"

namespace threadlings::timeline {

/// What to draw. Times are milliseconds from the start of the earliest span of the threads that
/// `row_filters` keep (before the window applies), so that one window fits every run of a demo.
/// Rows: processes, and each process's threads, in the order of their ids (creation order, on Linux;
/// ids that are not numbers go in the order of their first span).
struct LayoutOptions {
  std::string title;
  double width_px = 1000;
  std::optional<double> from_ms;  // window start; default: 0
  std::optional<double> to_ms;    // window end; default: the end of the last span drawn
  std::optional<std::size_t> max_rows;  // draw the first max_rows threads only, and say so in a footnote
  std::vector<std::string> row_filters;  // keep a thread whose "process / thread" label contains any of these
  std::string source;                    // shown in the subtitle
};

/// One thread's row; `group_header` is set on the first row of a process worth naming.
struct Row {
  std::string label;
  std::string group_header;  // empty unless a process label goes above this row
  double y = 0;              // top of the row's first lane
  int lanes = 1;             // overlapping (nested) spans go one lane down
};

/// One span, clipped to the window, in pixels. `merged` counts the spans it stands for: spans of the
/// same name less than half a pixel apart are drawn as one bar.
struct Bar {
  std::size_t row = 0;
  int lane = 0;
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
  std::size_t colour = 0;  // index of the span's name in the legend
  std::string name;
  double begin_ms = 0;
  double end_ms = 0;
  int merged = 1;
  bool label_fits = false;  // the name fits inside the bar
};

/// A tick of the time axis.
struct Tick {
  double x = 0;
  std::string label;
};

/// One legend entry: a colour swatch and the span name it stands for.
struct LegendEntry {
  std::string name;
  std::size_t colour = 0;
  double x = 0;
  double y = 0;
};

/// A picture, in pixels, ready to be written in any format.
struct Layout {
  double width = 0;
  double height = 0;
  std::string title;
  std::string subtitle;
  double plot_left = 0;  // the time axis runs from plot_left (window start) to plot_right (window end)
  double plot_right = 0;
  double plot_top = 0;
  double plot_bottom = 0;
  double label_x = 0;      // where process headers start
  double row_label_x = 0;  // where thread labels start (indented under process headers)
  double lane_height = 0;
  std::vector<Row> rows;
  std::vector<Bar> bars;
  std::vector<Tick> ticks;
  std::string axis_label;
  std::vector<LegendEntry> legend;
  std::vector<std::string> footnotes;
  double footnote_y = 0;
};

/// Options that make no sense (a window that ends before it starts, a width too small to draw in).
class LayoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Roughly how wide `text` is at `font_px` in a sans-serif font (no font metrics at hand: an average
/// glyph is about 0.56 em wide; UTF-8 continuation bytes are not counted).
double text_width(const std::string& text, double font_px);

/// Lays out `trace` as `options` ask. Throws LayoutError when the filters or the window leave nothing
/// to draw (saying what the trace holds instead).
Layout lay_out(const Trace& trace, const LayoutOptions& options);

}  // namespace threadlings::timeline
