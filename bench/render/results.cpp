// bench/render/results.cpp: reading a Google Benchmark JSON file into ProgramResults (results.hpp).
#include "results.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace threadlings::bench::render {

namespace {

using nlohmann::json;

// Seconds per unit of Google Benchmark's "time_unit".
double seconds_per_unit(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1.0;
  throw std::runtime_error("unknown time_unit '" + unit + "'");
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// A string field of `object`, or `fallback` when absent or not a string.
std::string text_field(const json& object, const char* key, const std::string& fallback = {}) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : fallback;
}

// What is gathered about one benchmark while the file is read. A value, local to parse().
struct Gathered {
  BenchName name;
  std::int64_t family_index = std::numeric_limits<std::int64_t>::max();  // registration order
  std::vector<Sample> samples;
  std::string missing;
};

ProgramResults parse(const json& document, const std::filesystem::path& json_file) {
  ProgramResults results;
  results.program = json_file.stem().string();
  const json& context = document.at("context");
  const json& benchmarks = document.at("benchmarks");
  if (!context.is_object() || !benchmarks.is_array()) throw std::runtime_error("no 'context' object or 'benchmarks' array");
  results.title = text_field(context, "program", results.program);
  results.host = text_field(context, "host_name");
  results.date = text_field(context, "date");
  results.cpus = context.value("num_cpus", 0);
  if (const auto load = context.find("load_avg"); load != context.end() && load->is_array()) {
    for (const json& value : *load) {
      if (value.is_number()) results.load_avg.push_back(value.get<double>());
    }
  }

  std::map<std::string, std::string> descriptions;  // comparison -> description
  std::map<std::string, std::string> missing;       // BenchName::str() -> why
  for (const auto& [key, value] : context.items()) {
    if (!value.is_string()) continue;
    if (starts_with(key, "comparison:")) descriptions[key.substr(11)] = value.get<std::string>();
    if (starts_with(key, "missing:")) missing[key.substr(8)] = value.get<std::string>();
  }

  std::vector<Gathered> gathered;
  for (const json& entry : benchmarks) {
    const std::string run_name = text_field(entry, "run_name", text_field(entry, "name"));
    const std::optional<BenchName> name = parse_bench_name(run_name);
    if (!name) {
      if (std::find(results.others.begin(), results.others.end(), run_name) == results.others.end()) {
        results.others.push_back(run_name);
      }
      continue;
    }
    auto found = std::find_if(gathered.begin(), gathered.end(), [&name](const Gathered& g) { return g.name == *name; });
    if (found == gathered.end()) {
      Gathered fresh;  // family_index keeps its "not seen yet" default
      fresh.name = *name;
      found = gathered.insert(gathered.end(), std::move(fresh));
    }
    found->family_index = std::min<std::int64_t>(found->family_index, entry.value("family_index", std::int64_t{0}));
    if (entry.value("error_occurred", false)) {
      found->missing = text_field(entry, "error_message", "stopped with an error");
      continue;
    }
    const bool aggregate = text_field(entry, "run_type", "iteration") == "aggregate";
    if (aggregate && text_field(entry, "aggregate_unit", "time") != "time") continue;  // cv is a percentage
    const double ops = std::max(1.0, entry.value(std::string(kOpsPerIteration), 1.0));
    const double seconds = entry.at("real_time").get<double>() * seconds_per_unit(text_field(entry, "time_unit", "ns"));
    const std::string aggregate_name = text_field(entry, "aggregate_name");
    found->samples.push_back(Sample{aggregate, aggregate_name, seconds / ops});
    if (aggregate && aggregate_name == "median") results.medians = true;
  }

  // Registration order: Google Benchmark numbers families as they were registered, while the file
  // lists them in the (random, interleaved) order they finished.
  std::stable_sort(gathered.begin(), gathered.end(),
                   [](const Gathered& a, const Gathered& b) { return a.family_index < b.family_index; });
  for (Gathered& g : gathered) {
    auto comparison = std::find_if(results.comparisons.begin(), results.comparisons.end(),
                                   [&g](const Comparison& c) { return c.name == g.name.comparison; });
    if (comparison == results.comparisons.end()) {
      comparison = results.comparisons.insert(results.comparisons.end(),
                                              Comparison{g.name.comparison, descriptions[g.name.comparison], {}});
    }
    Side side{g.name, representative_seconds(g.samples), std::move(g.missing)};
    if (const auto why = missing.find(g.name.str()); why != missing.end()) side.missing = why->second;
    if (!side.missing.empty()) side.seconds_per_op.reset();
    comparison->sides.push_back(std::move(side));
  }
  return results;
}

}  // namespace

std::vector<Ratio> ratios(const Comparison& comparison) {
  std::vector<Ratio> result;
  for (const Side& ours : comparison.sides) {
    if (ours.name.role != Role::ours) continue;
    for (const Side& peer : comparison.sides) {
      if (peer.name.role != Role::peer) continue;
      Ratio ratio{&ours, &peer, std::nullopt};
      if (ours.seconds_per_op && peer.seconds_per_op && *peer.seconds_per_op > 0.0) {
        ratio.value = *ours.seconds_per_op / *peer.seconds_per_op;
      }
      result.push_back(ratio);
    }
  }
  return result;
}

ProgramResults read_results(const std::filesystem::path& json_file) {
  std::ifstream in(json_file);
  if (!in) throw std::runtime_error(json_file.string() + ": can not be read");
  try {
    return parse(json::parse(in), json_file);
  } catch (const std::exception& error) {
    throw std::runtime_error(json_file.string() + ": not a Google Benchmark JSON file (" + error.what() + ")");
  }
}

}  // namespace threadlings::bench::render
