#pragma once
/// @file
/// The frame every lesson demo shares: its flags, and a kind word when the exercise is unfinished.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "threadlings/trace_recorder.hpp"

namespace threadlings {

/// What every demo accepts on its command line.
struct DemoOptions {
  /// --quick: small inputs and short delays, so ctest can smoke-test the demo in well under a second.
  bool quick = false;
  /// --trace FILE: also write a Chrome trace-event timeline (open it in https://ui.perfetto.dev).
  std::optional<std::filesystem::path> trace;
};

/// Writes `trace` to the --trace file and says where, when the flag was given; does nothing otherwise.
void save_trace(const DemoOptions& options, const TraceRecorder& trace);

/// Parses the demo's flags (--quick, --trace FILE, --help) and runs `body`.
///
/// - `--help` prints `description` and the flags, and returns 0; a bad flag prints the usage and
///   returns 2.
/// - A threadlings::NotImplemented escaping `body` (the demo ran an unfinished exercise) is reported
///   as what to finish, and how to run the reference instead; returns 1.
/// - Any other exception is reported with its message; returns 1.
///
/// Use it as the whole of main(): `return threadlings::run_demo(argc, argv, "...", body);`
int run_demo(int argc, char** argv, const std::string& description,
             const std::function<int(const DemoOptions&)>& body);

}  // namespace threadlings
