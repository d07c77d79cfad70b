#pragma once
/// @file
/// Records who ran when, and writes it as Chrome trace-event JSON for https://ui.perfetto.dev.

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <sys/types.h>

namespace threadlings {

/// Collects timed spans from many threads (and, through files, from forked children) and writes
/// them as one Chrome trace-event JSON document: one track per thread, grouped by process.
///
/// ```cpp
/// TraceRecorder trace;
/// std::thread worker([&] { auto span = trace.span("download"); fetch(); });
/// worker.join();
/// trace.save("timeline.json");   // open it in ui.perfetto.dev or chrome://tracing
/// ```
///
/// Across fork(): the child inherits a copy of the recorder (same clock origin), records into it,
/// calls save() to a file of its own before it exits, and the parent calls merge_events_from() on that
/// file after reaping it. Do not fork while another thread is inside a recorder call (the child's copy of the
/// lock would stay locked: lesson 06 explains why).
///
/// @threadsafety Every member function is safe to call from any thread at the same time.
class TraceRecorder {
 public:
  using Clock = std::chrono::steady_clock;

  /// One complete event: `name` ran on thread `tid` of process `pid` from `begin` to `end`.
  struct Event {
    std::string name;
    std::string category;
    Clock::time_point begin;
    Clock::time_point end;
    pid_t pid = 0;
    pid_t tid = 0;
  };

  /// Records from construction of the Span to its destruction, on the constructing thread.
  class [[nodiscard]] Span {
   public:
    Span(TraceRecorder& recorder, std::string name, std::string category);
    ~Span();
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;

   private:
    TraceRecorder& recorder_;
    std::string name_;
    std::string category_;
    Clock::time_point begin_;
  };

  /// Time zero of the trace is the moment of construction.
  TraceRecorder();

  /// Starts a span on the calling thread; it ends when the returned object is destroyed.
  [[nodiscard]] Span span(std::string name, std::string category = "work");
  /// Records a span measured elsewhere, attributed to the calling thread.
  void record(std::string name, Clock::time_point begin, Clock::time_point end, std::string category = "work");
  /// Labels the calling thread's track (shown instead of its tid).
  void name_thread(const std::string& name);
  /// Labels the calling process's group of tracks.
  void name_process(const std::string& name);

  /// A snapshot of the spans recorded so far.
  [[nodiscard]] std::vector<Event> events() const;
  /// The whole trace as Chrome trace-event JSON ({"traceEvents": [...]}), timestamps in microseconds.
  [[nodiscard]] std::string to_json() const;
  /// Writes to_json() to `path`. Throws std::runtime_error naming the path when it cannot.
  void save(const std::filesystem::path& path) const;
  /// Adds the events and track names of *other* processes found in a file that save() wrote (a forked
  /// child's copy also holds the parent's events from before the fork; those are not added twice).
  /// Throws std::runtime_error naming the path when the file is missing or not a trace.
  void merge_events_from(const std::filesystem::path& path);

 private:
  struct TrackName {
    pid_t pid;
    pid_t tid;  // 0 for a process name
    std::string name;
  };

  Clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;     // guarded by mutex_
  std::vector<TrackName> names_;  // guarded by mutex_
};

}  // namespace threadlings
