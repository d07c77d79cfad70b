#include "threadlings/demo.hpp"

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "threadlings/not_implemented.hpp"
#include "threadlings/spawn_entry.hpp"

namespace threadlings {

void save_trace(const DemoOptions& options, const TraceRecorder& trace) {
  if (!options.trace) return;
  trace.save(*options.trace);
  std::cout << "\nTimeline written to " << options.trace->string() << " (open it in https://ui.perfetto.dev).\n";
}

int run_demo(int argc, char** argv, const std::string& description,
             const std::function<int(const DemoOptions&)>& body) {
  // A child started by lesson 06's spawn runs its entry and ends in here; any other start goes on.
  run_spawned_child_if_requested(argc, argv);
  CLI::App app(description);
  DemoOptions options;
  std::string trace;
  app.add_flag("--quick", options.quick, "small inputs and short delays (used by the smoke tests)");
  app.add_option("--trace", trace, "write a Chrome trace-event timeline to this file (open in ui.perfetto.dev)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return 2;  // bad usage, whatever CLI11's own code for this error is
  }
  if (!trace.empty()) options.trace = trace;

  try {
    return body(options);
  } catch (const NotImplemented& unfinished) {
    std::cerr << "\nThis demo runs your exercise, which is not finished:\n  " << unfinished.what()
              << "\nFinish it (./threadlings check), or see the reference behaviour with\n"
                 "  cmake --workflow --preset reference   and run the demo from build/reference/demos/solution/\n";
  } catch (const std::exception& error) {
    std::cerr << "\ndemo failed: " << error.what() << '\n';
  }
  return 1;
}

}  // namespace threadlings
