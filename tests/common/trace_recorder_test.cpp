#include "threadlings/trace_recorder.hpp"

#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"

namespace {

using threadlings::TraceRecorder;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()) + ".json");
}

// Spans from two threads land on two tracks (distinct tids) of one process.
TEST(TraceRecorder, OneTrackPerThread) {
  TraceRecorder trace;
  std::thread a([&] { auto span = trace.span("a"); });
  std::thread b([&] { auto span = trace.span("b"); });
  a.join();
  b.join();
  const auto events = trace.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[0].tid, events[1].tid);
  EXPECT_EQ(events[0].pid, events[1].pid);
}

// The JSON is Chrome trace-event format: complete events with ts/dur in microseconds, and names.
TEST(TraceRecorder, WritesChromeTraceEvents) {
  TraceRecorder trace;
  trace.name_thread("main");
  { auto span = trace.span("step", "demo"); }
  const auto document = nlohmann::json::parse(trace.to_json());
  ASSERT_TRUE(document["traceEvents"].is_array());
  std::set<std::string> phases;
  for (const auto& event : document["traceEvents"]) {
    phases.insert(event["ph"].get<std::string>());
    if (event["ph"] == "X") {
      EXPECT_EQ(event["name"], "step");
      EXPECT_EQ(event["cat"], "demo");
      EXPECT_GE(event["ts"].get<long long>(), 0);
      EXPECT_GE(event["dur"].get<long long>(), 0);
    }
  }
  EXPECT_EQ(phases, (std::set<std::string>{"M", "X"}));
}

// A forked child's spans come back through a file, without duplicating the parent's.
TEST(TraceRecorder, MergesAChildProcessTrace) {
  TraceRecorder trace;
  { auto span = trace.span("before fork"); }
  const auto path = temp_path("threadlings-trace-child");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    { auto span = trace.span("in child"); }
    trace.save(path);
    ::_exit(0);
  }
  ASSERT_EQ(threadlings::exit_code_from_status(threadlings::wait_for_child(child)), 0);
  trace.merge_events_from(path);
  std::filesystem::remove(path);
  const auto events = trace.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1].name, "in child");
  EXPECT_EQ(events[1].pid, child);
}

// A missing or malformed file is an error that names the path.
TEST(TraceRecorder, MergeRejectsNonTrace) {
  TraceRecorder trace;
  EXPECT_THROW(trace.merge_events_from("/nonexistent/trace.json"), std::runtime_error);
}

}  // namespace
