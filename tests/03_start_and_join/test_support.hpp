// Helpers shared by lesson 03's tests: an excepthook that records every call.
#pragma once

#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "thread.hpp"
#include "threadlings/testing/start_gate.hpp"

namespace lesson03_test {

/// One call of the excepthook, as the test saw it.
struct ReportedException {
  std::string thread_name;
  std::thread::id ident;
  std::string what;
};

/// Installs an excepthook that records every call; restores the previous hook when destroyed.
class RecordingHook {
 public:
  RecordingHook()
      : previous_(threadlings::lesson03::set_excepthook(
            [this](const threadlings::lesson03::ExceptHookArgs& args) { record(args); })) {}
  ~RecordingHook() { threadlings::lesson03::set_excepthook(previous_); }
  RecordingHook(const RecordingHook&) = delete;
  RecordingHook& operator=(const RecordingHook&) = delete;

  [[nodiscard]] std::vector<ReportedException> calls() const {
    const std::scoped_lock lock(mutex_);
    return calls_;
  }

 private:
  void record(const threadlings::lesson03::ExceptHookArgs& args) {
    std::string what = "(not a std::exception)";
    try {
      std::rethrow_exception(args.exception);
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {
    }
    const std::scoped_lock lock(mutex_);
    calls_.push_back({args.thread_name, args.ident, what});
  }

  mutable std::mutex mutex_;
  std::vector<ReportedException> calls_;  // guarded by mutex_
  threadlings::lesson03::ExceptHook previous_;
};

using threadlings::testing::ReleaseOnExit;  // shared: common/include/threadlings/testing/start_gate.hpp

}  // namespace lesson03_test
