// A test that never finishes, run only by CheckWatchdogFires.cmake to prove the watchdog works.
#include <latch>

#include <gtest/gtest.h>

// Waits on a latch nobody counts down: a deadlock by construction.
TEST(WatchdogProbe, DISABLED_HangsForever) {
  std::latch never(1);
  never.wait();
}
