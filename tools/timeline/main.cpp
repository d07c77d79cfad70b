// threadlings_timeline: draws a Chrome trace-event file (a demo's --trace output) as an SVG timeline,
// one row per thread grouped by process, one bar per span, coloured by name.
//   threadlings_timeline TRACE.json [-o OUT.svg] [--title T] [--width PX] [--from-ms A] [--to-ms B]
//                        [--max-rows N] [--rows TEXT]...
// Exit codes: 0 drawn, 1 bad input (missing file, not JSON, nothing to draw) or output not written,
// 2 bad usage (with the usage message). This file only parses flags and reports; trace_events.cpp
// reads, layout.cpp lays out, svg_writer.cpp writes.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "layout.hpp"
#include "svg_writer.hpp"
#include "trace_events.hpp"

namespace {

constexpr int kBadInput = 1;
constexpr int kUsageError = 2;

// Writes `text` to `path` through a temporary file renamed into place: a failed run never leaves a
// half-written picture behind.
void write_file(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.string() + ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw std::runtime_error("cannot write " + path.string());
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    throw std::runtime_error("cannot write " + path.string());
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace threadlings::timeline;
  CLI::App app("Draws a Chrome trace-event file (a demo's --trace output) as an SVG timeline: one row per thread, "
               "grouped by process; one bar per span, coloured by its name. Times are milliseconds from the "
               "earliest span drawn.",
               "threadlings_timeline");
  app.failure_message(CLI::FailureMessage::help);  // a bad flag prints the usage
  std::string trace_path;
  std::string output;
  LayoutOptions options;
  app.add_option("trace", trace_path, "the trace file (Chrome trace-event JSON, as a demo's --trace writes it)")
      ->required();
  app.add_option("-o,--output", output, "the SVG file to write (default: standard output)");
  app.add_option("--title", options.title, "the picture's title (default: 'Timeline of' and the file's name)");
  app.add_option("--width", options.width_px, "width in pixels (400 to 20000)")
      ->capture_default_str()
      ->check(CLI::Range(400.0, 20000.0));
  app.add_option("--from-ms", options.from_ms, "start of the time window, in ms from the earliest span drawn")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--to-ms", options.to_ms, "end of the time window, in ms from the earliest span drawn")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-rows", options.max_rows,
                 "draw only the first this many threads (processes, then threads, in id order)")
      ->check(CLI::PositiveNumber);
  app.add_option("--rows", options.row_filters,
                 "draw only threads whose 'process / thread' label contains this text (repeatable: any of them)");
  try {
    app.parse(argc, argv);
    if (options.from_ms && options.to_ms && *options.to_ms <= *options.from_ms) {
      throw CLI::ValidationError("--to-ms", "must be greater than --from-ms");
    }
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kUsageError;
  }

  try {
    const Trace trace = read_trace(trace_path);
    options.source = std::filesystem::path(trace_path).filename().string();
    if (options.title.empty()) options.title = "Timeline of " + options.source;
    std::ostringstream svg;
    write_svg(svg, lay_out(trace, options));
    if (output.empty() || output == "-") {
      std::cout << svg.str() << std::flush;
      if (!std::cout) throw std::runtime_error("cannot write to standard output");
    } else {
      write_file(output, svg.str());
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "threadlings_timeline: " << error.what() << '\n';
    return kBadInput;
  }
}
