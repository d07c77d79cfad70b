// A test that never finishes, run only by CheckWatchdogFires.cmake to prove the watchdog works.
#include <latch>

#include <gtest/gtest.h>
#include <unistd.h>

// Waits on a latch nobody counts down: a deadlock by construction.
TEST(WatchdogProbe, DISABLED_HangsForever) {
  std::latch never(1);
  never.wait();
}

// Forks a child that never ends, then hangs: the watchdog must end the child too, or the child would
// hold the output pipe open and whoever reads it would wait forever.
TEST(WatchdogProbe, DISABLED_HangsWithAChild) {
  if (::fork() == 0) {
    ::pause();
    ::_exit(0);
  }
  std::latch never(1);
  never.wait();
}

// Fails, then hangs: under --gtest_fail_fast the run has failed for good, so the watchdog may end it
// after a short grace instead of its full limit.
TEST(WatchdogProbe, DISABLED_FailsThenHangs) {
  ADD_FAILURE() << "the failure that settles the run";
  std::latch never(1);
  never.wait();
}
