// Reading: parses Chrome trace-event JSON with nlohmann-json and pairs begin/end events into spans.
#include "trace_events.hpp"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

namespace threadlings::timeline {
namespace {

using nlohmann::json;

// An id (pid or tid) as text: the format allows numbers and strings; a missing one is "0".
std::string id_text(const json& event, const char* key, const std::string& where) {
  const auto found = event.find(key);
  if (found == event.end() || found->is_null()) return "0";
  if (found->is_number_integer()) return std::to_string(found->get<long long>());
  if (found->is_number()) return std::to_string(static_cast<long long>(found->get<double>()));
  if (found->is_string()) return found->get<std::string>();
  throw TraceError(where + ": '" + key + "' must be a number or a string");
}

std::string text_field(const json& event, const char* key) {
  const auto found = event.find(key);
  return found != event.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// A time field in microseconds; `required` says whether a missing one is an error or zero.
double time_field(const json& event, const char* key, bool required, const std::string& where) {
  const auto found = event.find(key);
  if (found == event.end()) {
    if (required) throw TraceError(where + ": no '" + key + "' (its time, in microseconds)");
    return 0;
  }
  if (!found->is_number()) throw TraceError(where + ": '" + key + "' must be a number of microseconds");
  return found->get<double>();
}

const json& events_of(const json& document, const std::string& source) {
  if (document.is_array()) return document;
  if (document.is_object()) {
    const auto events = document.find("traceEvents");
    if (events != document.end() && events->is_array()) return *events;
  }
  throw TraceError(source + " is JSON but not a trace: expected {\"traceEvents\": [...]} or an array of events");
}

}  // namespace

Trace parse_trace(std::istream& in, const std::string& source) {
  json document;
  try {
    document = json::parse(in);
  } catch (const json::parse_error& error) {
    throw TraceError(source + " is not JSON (" + error.what() + ")");
  }
  const json& events = events_of(document, source);

  Trace trace;
  // Open B events per thread, innermost last: an E closes the most recent B on its thread.
  std::map<std::pair<std::string, std::string>, std::vector<Span>> open;
  double latest_us = 0;
  std::size_t index = 0;
  for (const json& event : events) {
    const std::string where = source + ": event " + std::to_string(index++);
    if (!event.is_object()) throw TraceError(where + " is not an object");
    const std::string phase = text_field(event, "ph");
    if (phase == "M") {
      const auto args = event.find("args");
      const std::string name = args != event.end() && args->is_object() ? text_field(*args, "name") : "";
      const std::string what = text_field(event, "name");
      if (what == "process_name") trace.process_names[id_text(event, "pid", where)] = name;
      if (what == "thread_name") trace.thread_names[{id_text(event, "pid", where), id_text(event, "tid", where)}] = name;
      continue;
    }
    if (phase != "X" && phase != "B" && phase != "E") continue;  // instants, counters, flows: not spans
    Span span{text_field(event, "name"), text_field(event, "cat"), time_field(event, "ts", true, where), 0,
              id_text(event, "pid", where), id_text(event, "tid", where)};
    latest_us = std::max(latest_us, span.begin_us);
    if (phase == "X") {
      const double duration = time_field(event, "dur", false, where);
      if (duration < 0) throw TraceError(where + ": 'dur' is negative");
      span.end_us = span.begin_us + duration;
      latest_us = std::max(latest_us, span.end_us);
      trace.spans.push_back(std::move(span));
    } else if (phase == "B") {
      open[{span.pid, span.tid}].push_back(std::move(span));
    } else {
      auto& stack = open[{span.pid, span.tid}];
      if (stack.empty()) continue;  // an end without a begin: nothing to draw
      Span begun = std::move(stack.back());
      stack.pop_back();
      begun.end_us = std::max(begun.begin_us, span.begin_us);
      trace.spans.push_back(std::move(begun));
    }
  }
  for (auto& [thread, stack] : open) {
    for (Span& unfinished : stack) {
      unfinished.end_us = latest_us;  // never ended: drawn up to the end of the trace
      trace.spans.push_back(std::move(unfinished));
    }
  }
  if (trace.spans.empty()) {
    throw TraceError(source + " has no complete (ph X) or begin/end (ph B/E) events: nothing to draw");
  }
  std::stable_sort(trace.spans.begin(), trace.spans.end(),
                   [](const Span& a, const Span& b) { return a.begin_us < b.begin_us; });
  return trace;
}

Trace read_trace(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw TraceError("cannot read " + path.string() + ": a directory");
  std::ifstream in(path);
  if (!in) throw TraceError("cannot read " + path.string() + ": no such file, or not readable");
  return parse_trace(in, path.string());
}

}  // namespace threadlings::timeline
