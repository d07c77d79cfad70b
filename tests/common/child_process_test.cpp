#include "threadlings/child_process.hpp"

#include <chrono>
#include <csignal>
#include <optional>
#include <system_error>

#include <gtest/gtest.h>
#include <unistd.h>

#include "threadlings/testing/no_leaks.hpp"

namespace {

class ChildProcess : public threadlings::testing::NoLeaksTest {};

// exit(N) is reported as N, like Process.exitcode.
TEST_F(ChildProcess, ExitCodeOfNormalExit) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(7);
  EXPECT_EQ(threadlings::exit_code_from_status(threadlings::wait_for_child(child)), 7);
}

// Death by signal S is reported as -S.
TEST_F(ChildProcess, ExitCodeOfKilledChildIsMinusSignal) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ::kill(child, SIGKILL);
  EXPECT_EQ(threadlings::exit_code_from_status(threadlings::wait_for_child(child)), -SIGKILL);
}

// A timed wait gives nothing while the child runs (leaving it unreaped), and its status once it ended.
TEST_F(ChildProcess, TimedWaitGivesNothingWhileRunningAndTheStatusOnceEnded) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  EXPECT_EQ(threadlings::wait_for_child_for(child, std::chrono::milliseconds(10)), std::nullopt);
  ::kill(child, SIGKILL);
  const std::optional<int> status = threadlings::wait_for_child_for(child, std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(threadlings::exit_code_from_status(*status), -SIGKILL);
}

// Waiting for a process that is not our child is an error, not a hang.
TEST_F(ChildProcess, WaitForNonChildThrows) {
  EXPECT_THROW((void)threadlings::wait_for_child(::getpid()), std::system_error);
}

}  // namespace
