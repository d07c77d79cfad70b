// The main() of every test binary: GoogleTest plus the deadlock watchdog.
#include <chrono>

#include <gtest/gtest.h>

#include "threadlings/spawn_entry.hpp"
#include "threadlings/testing/watchdog.hpp"

namespace {

// Tells the watchdog which test is running each time one starts or ends.
class WatchdogListener final : public ::testing::EmptyTestEventListener {
 public:
  explicit WatchdogListener(threadlings::testing::Watchdog& watchdog) : watchdog_(watchdog) {}

  void OnTestStart(const ::testing::TestInfo& test) override {
    watchdog_.progress(std::string(test.test_suite_name()) + "." + test.name());
  }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    watchdog_.progress(std::string("after ") + test.test_suite_name() + "." + test.name());
  }
  // Under --gtest_fail_fast (the mutant checks) the first failed assertion settles the run: a test
  // that then hangs (a wrong solution leaves threads waiting for ever) need not be waited for the
  // full limit, only for a short grace in which it may still end by itself.
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed() && GTEST_FLAG_GET(fail_fast)) watchdog_.settle_failed(kGraceAfterFailure);
  }

  static constexpr std::chrono::milliseconds kGraceAfterFailure{500};

 private:
  threadlings::testing::Watchdog& watchdog_;
};

}  // namespace

// Sanitizer settings live in the test binary, so they hold however it is run: ctest, the grader,
// or by hand. (The runtimes call these hooks at start-up; GCC defines the macros under -fsanitize.)
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:second_deadlock_stack=1"; }
#endif
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "detect_leaks=1:detect_stack_use_after_return=1"; }
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }
#endif

int main(int argc, char** argv) {
  // A child started by lesson 06's spawn runs its entry and ends in here; any other start goes on.
  threadlings::run_spawned_child_if_requested(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  threadlings::testing::Watchdog watchdog(threadlings::testing::Watchdog::limit_from_environment());
  // The listener list owns what it is given; the watchdog outlives RUN_ALL_TESTS.
  ::testing::UnitTest::GetInstance()->listeners().Append(new WatchdogListener(watchdog));
  return RUN_ALL_TESTS();
}
