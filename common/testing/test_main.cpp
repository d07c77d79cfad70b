// The main() of every test binary: GoogleTest plus the deadlock watchdog.
#include <gtest/gtest.h>

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

 private:
  threadlings::testing::Watchdog& watchdog_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  threadlings::testing::Watchdog watchdog(threadlings::testing::Watchdog::limit_from_environment());
  // The listener list owns what it is given; the watchdog outlives RUN_ALL_TESTS.
  ::testing::UnitTest::GetInstance()->listeners().Append(new WatchdogListener(watchdog));
  return RUN_ALL_TESTS();
}
