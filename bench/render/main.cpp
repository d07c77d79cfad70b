// bench/render/main.cpp: bench-render, the collector of the bench programs' results. It reads the
// Google Benchmark JSON files they write (--benchmark_out=FILE --benchmark_out_format=json) and
// writes one SVG bar chart per file (--out DIR: DIR/<program>.svg), and/or prints one Markdown table
// of every ratio "ours / peer" (--table). bench/run-all calls it; see bench/README.md.
//
//   bench-render [--out DIR] [--table] RESULTS.json...
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "results.hpp"
#include "svg_chart.hpp"

namespace {

namespace fs = std::filesystem;
using namespace threadlings::bench;

constexpr std::string_view kUsage =
    "usage: bench-render [--out DIR] [--table] RESULTS.json...\n"
    "  --out DIR   write DIR/<program>.svg for each RESULTS.json (the folder is created if needed)\n"
    "  --table     print every ratio ours / peer as one Markdown table on stdout\n"
    "At least one of --out and --table, and at least one file. Files come from a bench program run with\n"
    "--benchmark_out=FILE --benchmark_out_format=json (bench/run-all does that).\n";

int usage_error(std::string_view message) {
  std::cerr << "bench-render: " << message << "\n" << kUsage;
  return 2;
}

void print_table(const std::vector<render::ProgramResults>& programs) {
  std::cout << "| program | comparison | ours | peer | ours/op | peer/op | ours / peer |\n"
            << "|---|---|---|---|---:|---:|---:|\n";
  for (const render::ProgramResults& program : programs) {
    for (const render::Comparison& comparison : program.comparisons) {
      for (const render::Ratio& ratio : render::ratios(comparison)) {
        // Labels in code spans: "Queue<int>" would otherwise be read as an HTML tag.
        std::cout << "| " << program.program << " | " << comparison.name << " | `" << ratio.ours->name.label << "` | `"
                  << ratio.peer->name.label << "` | ";
        if (ratio.value) {
          std::cout << format_seconds(*ratio.ours->seconds_per_op) << " | " << format_seconds(*ratio.peer->seconds_per_op)
                    << " | " << format_ratio(*ratio.value) << " |\n";
        } else {
          const std::string& why = !ratio.peer->missing.empty() ? ratio.peer->missing : ratio.ours->missing;
          std::cout << " |  | missing" << (why.empty() ? "" : ": " + why) << " |\n";
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<fs::path> out_dir;
  bool table = false;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--table") {
      table = true;
    } else if (arg == "--out") {
      if (i + 1 >= argc) return usage_error("--out needs a folder");
      out_dir = argv[++i];
    } else if (arg.starts_with("--")) {
      return usage_error("unknown option " + std::string(arg));
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) return usage_error("no RESULTS.json file given");
  if (!out_dir && !table) return usage_error("nothing to do: give --out DIR, --table, or both");

  std::vector<render::ProgramResults> programs;
  try {
    for (const fs::path& file : files) programs.push_back(render::read_results(file));
    if (out_dir) {
      fs::create_directories(*out_dir);
      for (const render::ProgramResults& program : programs) {
        const fs::path svg_file = *out_dir / (program.program + ".svg");
        std::ofstream svg(svg_file);
        svg << render::svg_chart(program);
        svg.close();
        if (!svg) throw std::runtime_error(svg_file.string() + ": can not be written");
        std::cerr << "bench-render: wrote " << svg_file.string() << '\n';
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "bench-render: " << error.what() << '\n';
    return 1;
  }
  if (table) print_table(programs);
  return 0;
}
