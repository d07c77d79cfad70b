#include "threadlings/trace_recorder.hpp"

#include <fstream>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace threadlings {
namespace {

long long microseconds_between(TraceRecorder::Clock::time_point origin, TraceRecorder::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - origin).count();
}

}  // namespace

TraceRecorder::Span::Span(TraceRecorder& recorder, std::string name, std::string category)
    : recorder_(recorder), name_(std::move(name)), category_(std::move(category)), begin_(Clock::now()) {}

TraceRecorder::Span::~Span() {
  recorder_.record(std::move(name_), begin_, Clock::now(), std::move(category_));
}

TraceRecorder::TraceRecorder() : origin_(Clock::now()) {}

TraceRecorder::Span TraceRecorder::span(std::string name, std::string category) {
  return Span(*this, std::move(name), std::move(category));
}

void TraceRecorder::record(std::string name, Clock::time_point begin, Clock::time_point end, std::string category) {
  Event event{std::move(name), std::move(category), begin, end, ::getpid(), ::gettid()};
  const std::scoped_lock lock(mutex_);
  events_.push_back(std::move(event));
}

void TraceRecorder::name_thread(const std::string& name) {
  const std::scoped_lock lock(mutex_);
  names_.push_back({::getpid(), ::gettid(), name});
}

void TraceRecorder::name_process(const std::string& name) {
  const std::scoped_lock lock(mutex_);
  names_.push_back({::getpid(), 0, name});
}

std::vector<TraceRecorder::Event> TraceRecorder::events() const {
  const std::scoped_lock lock(mutex_);
  return events_;
}

std::string TraceRecorder::to_json() const {
  nlohmann::json trace_events = nlohmann::json::array();
  const std::scoped_lock lock(mutex_);
  for (const TrackName& track : names_) {
    trace_events.push_back({{"ph", "M"},
                            {"name", track.tid == 0 ? "process_name" : "thread_name"},
                            {"pid", track.pid},
                            {"tid", track.tid},
                            {"args", {{"name", track.name}}}});
  }
  for (const Event& event : events_) {
    trace_events.push_back({{"ph", "X"},
                            {"name", event.name},
                            {"cat", event.category},
                            {"ts", microseconds_between(origin_, event.begin)},
                            {"dur", microseconds_between(event.begin, event.end)},
                            {"pid", event.pid},
                            {"tid", event.tid}});
  }
  return nlohmann::json{{"traceEvents", std::move(trace_events)}, {"displayTimeUnit", "ms"}}.dump(1);
}

void TraceRecorder::save(const std::filesystem::path& path) const {
  std::ofstream out(path);
  out << to_json() << '\n';
  out.flush();
  if (!out) {
    throw std::runtime_error("TraceRecorder::save: cannot write " + path.string());
  }
}

void TraceRecorder::merge_events_from(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("TraceRecorder::merge_events_from: cannot read " + path.string());
  }
  const nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object() || !document.contains("traceEvents") || !document["traceEvents"].is_array()) {
    throw std::runtime_error("TraceRecorder::merge_events_from: " + path.string() + " is not a trace");
  }
  const pid_t self = ::getpid();
  const std::scoped_lock lock(mutex_);
  for (const nlohmann::json& item : document["traceEvents"]) {
    const auto pid = item.value("pid", pid_t{0});
    if (pid == self) continue;  // our own events, copied into the child at fork: already here
    const auto tid = item.value("tid", pid_t{0});
    if (item.value("ph", "") == "M") {
      names_.push_back({pid, item.value("name", "") == "process_name" ? 0 : tid,
                        item["args"].value("name", "")});
    } else if (item.value("ph", "") == "X") {
      const auto begin = origin_ + std::chrono::microseconds(item.value("ts", 0LL));
      events_.push_back({item.value("name", ""), item.value("cat", ""), begin,
                         begin + std::chrono::microseconds(item.value("dur", 0LL)), pid, tid});
    }
  }
}

}  // namespace threadlings
