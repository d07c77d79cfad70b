// Reading: a Chrome trace-event file (what the demos write with --trace) turned into timed spans and
// the names of their threads and processes. Knows the file format and nothing about drawing.
// Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
#pragma once

#include <filesystem>
#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace threadlings::timeline {

/// One span of time a thread spent in something: a complete event (ph "X"), or a begin event
/// (ph "B") with the end event (ph "E") that closes it. Times are the file's microseconds.
struct Span {
  std::string name;
  std::string category;
  double begin_us = 0;
  double end_us = 0;
  std::string pid;  // as the file spells it: numbers and strings are both allowed as ids
  std::string tid;
};

/// Everything the file says about who ran when.
struct Trace {
  std::vector<Span> spans;  // sorted by begin_us; spans that begin together keep the file's order
  std::map<std::string, std::string> process_names;                       // pid -> process_name
  std::map<std::pair<std::string, std::string>, std::string> thread_names;  // (pid, tid) -> thread_name
};

/// A file that is missing, unreadable, not JSON, not a trace, or a trace with nothing to draw. The
/// message names the file and, for a malformed event, the event's index.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads a trace from `in`; `source` names it in error messages. Accepts the JSON object form
/// ({"traceEvents": [...]}, as TraceRecorder writes it) and the bare array form. Reads phases X, B,
/// E and the metadata M (process_name, thread_name); skips every other phase (instants, counters,
/// flows). A B event never closed ends at the latest time in the file; an E with no open B is skipped.
/// Throws TraceError when the input is not JSON, not a trace, has a malformed event, or has no span.
Trace parse_trace(std::istream& in, const std::string& source);

/// parse_trace() on the file at `path`; a file that cannot be opened is a TraceError too.
Trace read_trace(const std::filesystem::path& path);

}  // namespace threadlings::timeline
