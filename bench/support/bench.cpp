// bench/support/bench.cpp: the registry of comparisons, the reporter that collects what Google
// Benchmark measured, the ratio table, and the main() every bench program shares (see bench.hpp).
#include "bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "threadlings/spawn_entry.hpp"

namespace threadlings::bench {

namespace {

// One comparison as the program registered it: its description and its sides, in order.
// Thread-safety: none needed; the registry below is written and read by the main thread only.
struct Comparison {
  std::string name;
  std::string description;
  std::vector<BenchName> sides;
  std::map<std::string, std::string> missing;  // BenchName::str() -> why, for add_missing() sides
};

// Every comparison of the program, in registration order. Filled by add()/add_missing()/describe()
// on the main thread before the run; read after it.
std::vector<Comparison>& registry() {
  static std::vector<Comparison> comparisons;
  return comparisons;
}

Comparison& comparison_named(const std::string& name) {
  auto& comparisons = registry();
  const auto found = std::find_if(comparisons.begin(), comparisons.end(),
                                  [&name](const Comparison& c) { return c.name == name; });
  if (found != comparisons.end()) return *found;
  return comparisons.emplace_back(Comparison{name, {}, {}, {}});
}

BenchName checked_name(const std::string& comparison, Role role, const std::string& label) {
  const bool identifier = !comparison.empty() && std::all_of(comparison.begin(), comparison.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!identifier) {
    throw std::invalid_argument("bench: comparison '" + comparison + "' is not an identifier ([A-Za-z0-9_]+)");
  }
  if (label.empty() || label.find('/') != std::string::npos) {
    throw std::invalid_argument("bench: label '" + label + "' of " + comparison + " is empty or holds a '/'");
  }
  return BenchName{comparison, role, label};
}

// Google Benchmark's console output, plus a copy of every median (or single run) it reports, from
// which the ratio table is made once the run is over.
//
// Thread-safety: Google Benchmark calls a reporter from the thread that called
// RunSpecifiedBenchmarks() only; results() is read on that thread after the run. Not synchronized.
class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto name = parse_bench_name(run.run_name.str());
      if (!name) continue;
      const bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_unit != benchmark::kTime) continue;  // cv is a percentage
      double ops = 1.0;
      if (const auto counter = run.counters.find(std::string(kOpsPerIteration)); counter != run.counters.end()) {
        ops = std::max(1.0, counter->second.value);
      }
      const double seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      results_.add_sample(*name, Sample{aggregate, run.aggregate_name, seconds / ops});
    }
  }

  [[nodiscard]] const Results& results() const noexcept { return results_; }

 private:
  Results results_;
};

// The table of "ours / peer" for every comparison that ran, in registration order.
void print_ratio_table(const Results& results, std::ostream& out) {
  struct Row {
    std::string pair;
    std::string ours;
    std::string peer;
    std::string ratio;
  };
  std::vector<std::pair<std::string, std::vector<Row>>> sections;
  std::size_t pair_width = 0;
  for (const Comparison& comparison : registry()) {
    std::vector<Row> rows;
    for (const BenchName& ours : comparison.sides) {
      if (ours.role != Role::ours) continue;
      const auto ours_seconds = results.seconds_per_op(ours.comparison, ours.role, ours.label);
      for (const BenchName& peer : comparison.sides) {
        if (peer.role != Role::peer) continue;
        Row row{ours.label + " vs " + peer.label, "", "", ""};
        if (const auto missing = comparison.missing.find(peer.str()); missing != comparison.missing.end()) {
          if (!ours_seconds) continue;  // filtered out of this run
          row.ratio = "peer missing: " + missing->second;
        } else if (const auto gone = comparison.missing.find(ours.str()); gone != comparison.missing.end()) {
          row.ratio = "ours missing: " + gone->second;
        } else {
          const auto peer_seconds = results.seconds_per_op(peer.comparison, peer.role, peer.label);
          if (!ours_seconds || !peer_seconds) continue;  // filtered out of this run
          row.ours = format_seconds(*ours_seconds);
          row.peer = format_seconds(*peer_seconds);
          row.ratio = format_ratio(*ours_seconds / *peer_seconds);
        }
        pair_width = std::max(pair_width, row.pair.size());
        rows.push_back(std::move(row));
      }
    }
    if (rows.empty()) continue;
    std::string heading = comparison.name;
    if (!comparison.description.empty()) heading += ": " + comparison.description;
    sections.emplace_back(std::move(heading), std::move(rows));
  }
  if (sections.empty()) return;
  const int width = static_cast<int>(pair_width);
  out << "\nRatios: ours / peer, time per operation (the median of the repetitions). Above 1.00x ours\n"
         "takes longer than the peer; below, it is faster. The figures belong to this machine and its load.\n";
  out << "  " << std::left << std::setw(width) << "ours vs peer" << std::right << std::setw(12) << "ours/op"
      << std::setw(12) << "peer/op" << std::setw(11) << "ours/peer" << '\n';
  for (const auto& [heading, rows] : sections) {
    out << heading << '\n';
    for (const Row& row : rows) {
      out << "  " << std::left << std::setw(width) << row.pair << std::right;
      if (row.ours.empty()) {
        out << "  " << row.ratio << '\n';
      } else {
        out << std::setw(12) << row.ours << std::setw(12) << row.peer << std::setw(11) << row.ratio << '\n';
      }
    }
  }
  out.flush();
}

}  // namespace

void add(const std::string& comparison, Role role, const std::string& label, const Options& options, Body body) {
  const BenchName name = checked_name(comparison, role, label);
  comparison_named(comparison).sides.push_back(name);
  const std::int64_t ops = std::max<std::int64_t>(1, options.ops_per_iteration);
  auto* registered = benchmark::RegisterBenchmark(name.str().c_str(), [body = std::move(body), ops](benchmark::State& state) {
    body(state);
    state.counters[std::string(kOpsPerIteration)] = benchmark::Counter(static_cast<double>(ops));
    if (ops > 1) state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * ops);
  });
  registered->MinTime(options.min_time_seconds)->Unit(options.unit);
  if (options.manual_time) {
    registered->UseManualTime();
  } else {
    registered->UseRealTime();
  }
}

void add_missing(const std::string& comparison, Role role, const std::string& label, const std::string& why) {
  const BenchName name = checked_name(comparison, role, label);
  Comparison& entry = comparison_named(comparison);
  entry.sides.push_back(name);
  entry.missing[name.str()] = why;
  benchmark::AddCustomContext("missing:" + name.str(), why);  // for bench/render's chart
  benchmark::RegisterBenchmark(name.str().c_str(), [why](benchmark::State& state) {
    state.SkipWithError(why.c_str());
    for (auto _ : state) {
    }
  });
}

void describe(const std::string& comparison, const std::string& what) {
  comparison_named(comparison).description = what;
  benchmark::AddCustomContext("comparison:" + comparison, what);
}

std::optional<double> Results::seconds_per_op(const std::string& comparison, Role role, const std::string& label) const {
  const auto found = samples_.find(BenchName{comparison, role, label}.str());
  if (found == samples_.end()) return std::nullopt;
  return representative_seconds(found->second);
}

void Results::add_sample(const BenchName& name, const Sample& sample) { samples_[name.str()].push_back(sample); }


int run_main(int argc, char** argv, const std::string& title, const Epilogue& epilogue) {
  if (argc >= 2 && argv[1] == kExitAtOnceFlag) ::_exit(0);
  threadlings::run_spawned_child_if_requested(argc, argv);  // a spawned child ends in here

  // The defaults go first: Google Benchmark reads flags in order, so the user's own come later and win.
  std::vector<std::string> defaults{"--benchmark_repetitions=3", "--benchmark_enable_random_interleaving=true",
                                    "--benchmark_display_aggregates_only=true"};
  std::vector<char*> args{argv[0]};
  for (std::string& flag : defaults) args.push_back(flag.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;

  benchmark::AddCustomContext("program", title);  // the console prints it with the machine's context
  for (const Comparison& comparison : registry()) {
    for (const auto& [name, why] : comparison.missing) std::cout << "  not on this machine: " << name << ": " << why << '\n';
  }
  std::cout.flush();

  const char* term = std::getenv("TERM");
  const bool color = ::isatty(STDOUT_FILENO) == 1 && term != nullptr && std::string_view(term) != "dumb";
  RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratio_table(reporter.results(), std::cout);
  if (epilogue) epilogue(reporter.results(), std::cout);
  std::cout.flush();
  benchmark::Shutdown();
  return 0;
}

}  // namespace threadlings::bench
