// Laying out: from spans to rows, lanes, bars, ticks and legend entries in pixels.
#include "layout.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <utility>

namespace threadlings::timeline {
namespace {

// Sizes in pixels; the writer uses the same font sizes (svg_writer.cpp).
constexpr double kMargin = 16;
constexpr double kTitleFont = 16;
constexpr double kLabelFont = 12;
constexpr double kTickFont = 11;
constexpr double kBarFont = 10;
constexpr double kIndent = 12;         // thread labels under a process header
constexpr double kLaneHeight = 16;
constexpr double kLaneGap = 2;
constexpr double kRowGap = 6;
constexpr double kHeaderHeight = 18;
constexpr double kLegendRowHeight = 18;
constexpr double kFootnoteHeight = 15;
constexpr int kMaxLanes = 4;           // deeper nesting shares the last lane
constexpr double kMergeGapPx = 0.5;    // same-name spans closer than this become one bar
constexpr double kMinBarPx = 1;        // a zero-length span stays visible

using ThreadKey = std::pair<std::string, std::string>;  // (pid, tid)

struct ThreadRows {
  ThreadKey key;
  std::string process_label;
  std::string label;
  std::vector<const Span*> spans;  // in begin order
};

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;  // not a UTF-8 continuation byte
  }));
}

// `text` cut to at most `max_width` pixels at `font_px`, ending in an ellipsis when cut; never splits
// a UTF-8 sequence.
std::string fit(const std::string& text, double font_px, double max_width) {
  if (text_width(text, font_px) <= max_width + 0.01) return text;  // (+0.01: a label fits its own width)
  const double glyph = text_width("m", font_px);
  const auto keep = static_cast<std::size_t>(std::max(1.0, std::floor(max_width / glyph) - 1));
  std::size_t seen = 0;
  std::size_t cut = 0;
  for (; cut < text.size(); ++cut) {
    if ((static_cast<unsigned char>(text[cut]) & 0xC0U) != 0x80U && seen++ == keep) break;
  }
  return text.substr(0, cut) + "\u2026";
}

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string result = text;
  if (result.starts_with('-') && result.find_first_not_of("-0.") == std::string::npos) result.erase(0, 1);  // no "-0"
  return result;
}

// "1 span", "2 spans".
std::string count(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// A pid or tid as a number, when it is one.
std::optional<long long> numeric_id(const std::string& id) {
  long long value = 0;
  const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (error != std::errc{} || end != id.data() + id.size()) return std::nullopt;
  return value;
}

std::string process_label(const Trace& trace, const std::string& pid) {
  const auto named = trace.process_names.find(pid);
  return named != trace.process_names.end() && !named->second.empty() ? named->second : "process " + pid;
}

std::string thread_label(const Trace& trace, const ThreadKey& key) {
  const auto named = trace.thread_names.find(key);
  if (named != trace.thread_names.end() && !named->second.empty()) return named->second;
  return "thread " + key.second + (key.first == key.second ? " (main)" : "");
}

bool wanted(const std::string& label, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  return std::any_of(filters.begin(), filters.end(),
                     [&](const std::string& part) { return label.find(part) != std::string::npos; });
}

// Axis ticks: a step of 1, 2 or 5 times a power of ten, about every 90 pixels.
std::vector<Tick> ticks_for(double from_ms, double to_ms, double left, double right) {
  const double range = to_ms - from_ms;
  const double wanted_count = std::max(2.0, std::floor((right - left) / 90));
  const double raw = range / wanted_count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * 10;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  std::vector<Tick> ticks;
  for (double t = std::ceil(from_ms / step - 1e-9) * step; t <= to_ms + step * 1e-9; t += step) {
    ticks.push_back({left + (t - from_ms) / range * (right - left), number(t, decimals)});
  }
  return ticks;
}

// The threads that have spans and whose label passes the filters, each with its spans in time order.
std::vector<ThreadRows> threads_of(const Trace& trace, const std::vector<std::string>& filters) {
  std::vector<ThreadRows> threads;
  std::map<ThreadKey, std::size_t> index;
  for (const Span& span : trace.spans) {
    const ThreadKey key{span.pid, span.tid};
    auto found = index.find(key);
    if (found == index.end()) {
      const std::string process = process_label(trace, span.pid);
      const std::string label = thread_label(trace, key);
      const bool keep = wanted(process + " / " + label, filters);
      found = index.emplace(key, keep ? threads.size() : SIZE_MAX).first;
      if (keep) threads.push_back({key, process, label, {}});
    }
    if (found->second != SIZE_MAX) threads[found->second].spans.push_back(&span);
  }
  return threads;
}

std::string list_of_threads(const Trace& trace) {
  std::vector<std::string> labels;
  for (const Span& span : trace.spans) {
    const std::string label = process_label(trace, span.pid) + " / " + thread_label(trace, {span.pid, span.tid});
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  std::string text;
  for (std::size_t i = 0; i < labels.size() && i < 12; ++i) text += (i == 0 ? "'" : ", '") + labels[i] + "'";
  if (labels.size() > 12) text += ", and " + std::to_string(labels.size() - 12) + " more";
  return text;
}

}  // namespace

double text_width(const std::string& text, double font_px) {
  return static_cast<double>(code_points(text)) * font_px * 0.58;
}

Layout lay_out(const Trace& trace, const LayoutOptions& options) {
  std::vector<ThreadRows> threads = threads_of(trace, options.row_filters);
  if (threads.empty()) {
    throw LayoutError("no thread's label contains what --rows asks for; the trace's threads are " +
                      list_of_threads(trace));
  }

  // Time zero: the earliest span of the threads kept.
  double zero_us = threads.front().spans.front()->begin_us;
  double last_us = zero_us;
  for (const ThreadRows& thread : threads) {
    zero_us = std::min(zero_us, thread.spans.front()->begin_us);
    for (const Span* span : thread.spans) last_us = std::max(last_us, span->end_us);
  }
  const double whole_ms = (last_us - zero_us) / 1000;
  const double from_ms = options.from_ms.value_or(0);
  const double until_ms = options.to_ms.value_or(std::numeric_limits<double>::infinity());
  if (until_ms <= from_ms) {
    throw LayoutError("the window ends (" + number(until_ms, 3) + " ms) before it starts (" + number(from_ms, 3) +
                      " ms)");
  }

  // Keep the spans that touch the window, and the threads that still have one.
  std::size_t kept_spans = 0;
  for (ThreadRows& thread : threads) {
    std::erase_if(thread.spans, [&](const Span* span) {
      const double begin = (span->begin_us - zero_us) / 1000;
      const double end = (span->end_us - zero_us) / 1000;
      return end < from_ms || begin > until_ms || (end == from_ms && begin < end);
    });
    kept_spans += thread.spans.size();
  }
  std::erase_if(threads, [](const ThreadRows& thread) { return thread.spans.empty(); });
  if (threads.empty()) {
    throw LayoutError("no span between " + number(from_ms, 3) + " and " +
                      (options.to_ms ? number(until_ms, 3) + " ms" : "the end") + "; the spans drawn run from 0 to " +
                      number(whole_ms, 3) + " ms");
  }
  // Processes, and threads within a process, in the order of their ids: the order they were created in,
  // on Linux. Ids that are not numbers go in the order of their first span.
  std::map<std::string, double> process_first;
  for (const ThreadRows& thread : threads) {
    auto [at, inserted] = process_first.emplace(thread.key.first, thread.spans.front()->begin_us);
    if (!inserted) at->second = std::min(at->second, thread.spans.front()->begin_us);
  }
  const auto before = [](const std::string& id_a, double first_a, const std::string& id_b, double first_b) {
    const auto a = numeric_id(id_a);
    const auto b = numeric_id(id_b);
    if (a && b) return *a < *b;
    return first_a != first_b ? first_a < first_b : id_a < id_b;
  };
  std::stable_sort(threads.begin(), threads.end(), [&](const ThreadRows& a, const ThreadRows& b) {
    if (a.key.first != b.key.first) {
      return before(a.key.first, process_first.at(a.key.first), b.key.first, process_first.at(b.key.first));
    }
    return before(a.key.second, a.spans.front()->begin_us, b.key.second, b.spans.front()->begin_us);
  });

  Layout layout;
  std::vector<std::string> footnotes;
  if (options.max_rows && threads.size() > *options.max_rows) {
    std::size_t hidden_spans = 0;
    for (std::size_t i = *options.max_rows; i < threads.size(); ++i) hidden_spans += threads[i].spans.size();
    footnotes.push_back(count(threads.size() - *options.max_rows, "more thread") + " (" + count(hidden_spans, "span") +
                        ") not drawn: --max-rows " + std::to_string(*options.max_rows));
    kept_spans -= hidden_spans;
    threads.resize(*options.max_rows);
  }
  // The window's end, when not given: the end of the last span drawn.
  double to_ms = until_ms;
  if (!options.to_ms) {
    to_ms = from_ms;
    for (const ThreadRows& thread : threads) {
      for (const Span* span : thread.spans) to_ms = std::max(to_ms, (span->end_us - zero_us) / 1000);
    }
    if (to_ms <= from_ms) to_ms = from_ms + 1;  // only zero-length spans at the window's start
  }

  // A process header is worth its line when there are several processes or the trace names one.
  std::map<std::string, bool> processes;
  for (const ThreadRows& thread : threads) processes[thread.key.first] = trace.process_names.contains(thread.key.first);
  const bool headers = processes.size() > 1 || std::any_of(processes.begin(), processes.end(),
                                                          [](const auto& p) { return p.second; });

  // The label column: as wide as the longest thread label, up to 38 % of the picture (a process header
  // has a line of its own, as wide as the picture).
  layout.width = options.width_px;
  layout.label_x = kMargin;
  layout.row_label_x = kMargin + (headers ? kIndent : 0);
  double label_column = 0;
  for (const ThreadRows& thread : threads) {
    label_column = std::max(label_column, text_width(thread.label, kLabelFont) + (headers ? kIndent : 0));
  }
  label_column = std::min(label_column + 12, options.width_px * 0.38);
  layout.plot_left = kMargin + label_column;
  layout.plot_right = options.width_px - kMargin - 8;
  if (layout.plot_right - layout.plot_left < 120) {
    throw LayoutError("--width " + number(options.width_px, 0) + " leaves no room to draw; use 400 or more");
  }
  const double plot_width = layout.plot_right - layout.plot_left;
  const auto x_of = [&](double ms) { return layout.plot_left + (ms - from_ms) / (to_ms - from_ms) * plot_width; };

  layout.title = fit(options.title, kTitleFont, options.width_px - 2 * kMargin);
  std::string subtitle = count(kept_spans, "span") + " on " + count(threads.size(), "thread");
  if (processes.size() > 1) subtitle += " of " + std::to_string(processes.size()) + " processes";
  subtitle += ", " + number(from_ms, from_ms == std::floor(from_ms) ? 0 : 2) + "\u2013" +
              number(to_ms, to_ms == std::floor(to_ms) ? 0 : 2) + " ms";
  if (!options.source.empty()) subtitle += ", from " + options.source;
  layout.subtitle = fit(subtitle, kTickFont, options.width_px - 2 * kMargin);
  layout.plot_top = 66;
  layout.lane_height = kLaneHeight;

  // Colours: one per span name, in the order the names first appear in time.
  std::map<std::string, std::size_t> colour_of;
  {
    std::vector<const Span*> in_time;
    for (const ThreadRows& thread : threads) {
      in_time.insert(in_time.end(), thread.spans.begin(), thread.spans.end());
    }
    std::stable_sort(in_time.begin(), in_time.end(),
                     [](const Span* a, const Span* b) { return a->begin_us < b->begin_us; });
    for (const Span* span : in_time) {
      if (colour_of.emplace(span->name, colour_of.size()).second) {
        layout.legend.push_back({span->name, colour_of.size() - 1});
      }
    }
  }

  // Rows, lanes and bars.
  double y = layout.plot_top;
  std::string previous_process;
  bool lanes_capped = false;
  std::size_t merged_away = 0;
  for (const ThreadRows& thread : threads) {
    Row row;
    if (headers && thread.key.first != previous_process) {
      const bool named = thread.process_label != "process " + thread.key.first;
      row.group_header = fit(thread.process_label + (named ? " (pid " + thread.key.first + ")" : ""), kLabelFont,
                             label_column + plot_width);
      y += kHeaderHeight;
    }
    previous_process = thread.key.first;
    row.label = fit(thread.label, kLabelFont, label_column - 12 - (headers ? kIndent : 0));
    row.y = y;
    // Lanes: each span goes to the first lane free at its start (nested spans go one lane down).
    std::vector<double> lane_end;
    std::vector<std::size_t> last_bar_in_lane;
    const std::size_t row_index = layout.rows.size();
    for (const Span* span : thread.spans) {
      std::size_t lane = 0;
      while (lane < lane_end.size() && lane_end[lane] > span->begin_us) ++lane;
      if (lane >= static_cast<std::size_t>(kMaxLanes)) {
        lane = kMaxLanes - 1;
        lanes_capped = true;
      }
      if (lane == lane_end.size()) {
        lane_end.push_back(span->end_us);
        last_bar_in_lane.push_back(SIZE_MAX);
      } else {
        lane_end[lane] = std::max(lane_end[lane], span->end_us);
      }
      const double begin_ms = std::max(from_ms, (span->begin_us - zero_us) / 1000);
      const double end_ms = std::min(to_ms, (span->end_us - zero_us) / 1000);
      const double x = x_of(begin_ms);
      const double right = std::max(x_of(end_ms), x + kMinBarPx);
      const std::size_t last = last_bar_in_lane[lane];
      if (last != SIZE_MAX && layout.bars[last].name == span->name &&
          x <= layout.bars[last].x + layout.bars[last].width + kMergeGapPx) {
        Bar& bar = layout.bars[last];
        bar.width = std::max(bar.width, right - bar.x);
        bar.end_ms = std::max(bar.end_ms, end_ms);
        ++bar.merged;
        ++merged_away;
        continue;
      }
      Bar bar;
      bar.row = row_index;
      bar.lane = static_cast<int>(lane);
      bar.x = x;
      bar.y = y + static_cast<double>(lane) * (kLaneHeight + kLaneGap);
      bar.width = right - x;
      bar.height = kLaneHeight;
      bar.colour = colour_of.at(span->name);
      bar.name = span->name;
      bar.begin_ms = begin_ms;
      bar.end_ms = end_ms;
      last_bar_in_lane[lane] = layout.bars.size();
      layout.bars.push_back(std::move(bar));
    }
    row.lanes = static_cast<int>(std::max<std::size_t>(1, lane_end.size()));
    y += row.lanes * kLaneHeight + (row.lanes - 1) * kLaneGap + kRowGap;
    layout.rows.push_back(std::move(row));
  }
  for (Bar& bar : layout.bars) bar.label_fits = text_width(bar.name, kBarFont) + 6 <= bar.width;
  layout.plot_bottom = y;

  layout.ticks = ticks_for(from_ms, to_ms, layout.plot_left, layout.plot_right);
  layout.axis_label = "time (ms)";

  // The legend, in rows as wide as the picture.
  double legend_x = kMargin;
  double legend_y = layout.plot_bottom + 44;
  for (LegendEntry& entry : layout.legend) {
    entry.name = fit(entry.name, kLabelFont, options.width_px * 0.6);
    const double entry_width = 14 + text_width(entry.name, kLabelFont) + 18;
    if (legend_x > kMargin && legend_x + entry_width > options.width_px - kMargin) {
      legend_x = kMargin;
      legend_y += kLegendRowHeight;
    }
    entry.x = legend_x;
    entry.y = legend_y;
    legend_x += entry_width;
  }
  double bottom = legend_y + kLegendRowHeight;

  if (merged_away > 0) {
    footnotes.push_back(count(merged_away, "span") + " less than half a pixel after one of the same name " +
                        (merged_away == 1 ? "is" : "are") + " drawn merged into it (hover a bar for its count)");
  }
  if (lanes_capped) {
    footnotes.push_back("spans nested more than " + std::to_string(kMaxLanes) + " deep share the last lane");
  }
  layout.footnote_y = bottom + 4;
  for (const std::string& note : footnotes) {
    layout.footnotes.push_back(fit(note, kTickFont, options.width_px - 2 * kMargin));
  }
  bottom += static_cast<double>(layout.footnotes.size()) * kFootnoteHeight;
  layout.height = std::ceil(bottom + kMargin);
  return layout;
}

}  // namespace threadlings::timeline
