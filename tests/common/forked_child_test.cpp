#include "threadlings/testing/forked_child.hpp"

#include <chrono>
#include <csignal>
#include <optional>
#include <stdexcept>

#include <gtest/gtest.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ForkedChild;

// Every test checks on its way out that no child is left unreaped and no descriptor open.
class ForkedChildTest : public threadlings::testing::NoLeaksTest {};

// The body's return value is the child's exit code.
TEST_F(ForkedChildTest, JoinReturnsTheBodysResult) {
  ForkedChild child([] { return 7; });
  EXPECT_EQ(child.join(), 7);
}

// A body that throws leaves with kBodyThrew instead of returning into the test.
TEST_F(ForkedChildTest, BodyThatThrowsExitsWithBodyThrew) {
  ForkedChild child([]() -> int { throw std::runtime_error("from the child"); });
  EXPECT_EQ(child.join(), ForkedChild::kBodyThrew);
}

// join(timeout) on a child that does not end gives nothing and leaves it unreaped; the destructor
// then kills and reaps it (NoLeaksTest fails otherwise).
TEST_F(ForkedChildTest, TimedJoinOfARunningChildGivesNothingAndTheDestructorReapsIt) {
  ForkedChild child([] {
    ::pause();
    return 0;
  });
  EXPECT_EQ(child.join(10ms), std::nullopt);
}

// A child asleep in the kernel is seen as such in /proc; a killed one is reported as -SIGKILL.
TEST_F(ForkedChildTest, SleepingChildIsSeenAsleepAndKillingItGivesMinusSignal) {
  ForkedChild child([] {
    ::pause();
    return 0;
  });
  EXPECT_TRUE(threadlings::testing::wait_until_process_sleeping(child.pid()));
  EXPECT_EQ(threadlings::process_state(child.pid()), 'S');
  ::kill(child.pid(), SIGKILL);
  EXPECT_EQ(child.join(), -SIGKILL);
}

// A process that does not exist has no state to read.
TEST_F(ForkedChildTest, StateOfNoProcessIsUnknown) {
  EXPECT_EQ(threadlings::process_state(-1), '?');
}

}  // namespace
