#include "threadlings/testing/no_leaks.hpp"

#include <algorithm>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::testing::NoLeaksTest;

// A fixture run by hand inside a test, so that its failure can be observed instead of failing us.
class ProbeFixture : public NoLeaksTest {
 public:
  void Start() { SetUp(); }
  void Finish() { TearDown(); }
  void TestBody() override {}
};

// An fd opened during the test and left open is reported, with what it is, and closed.
TEST(NoLeaks, ReportsLeftOpenDescriptor) {
  ProbeFixture fixture;
  int leaked = -1;
  EXPECT_NONFATAL_FAILURE(
      {
        fixture.Start();
        leaked = threadlings::make_pipe().read_end.release();
        fixture.Finish();
      },
      "left file descriptor");
  EXPECT_EQ(threadlings::testing::open_file_descriptors().count(leaked), 0U);
}

// A child left unreaped is reported, then killed and reaped.
TEST(NoLeaks, ReportsUnreapedChild) {
  ProbeFixture fixture;
  pid_t child = -1;
  EXPECT_NONFATAL_FAILURE(
      {
        fixture.Start();
        child = ::fork();
        if (child == 0) {
          ::pause();
          ::_exit(0);
        }
        fixture.Finish();
      },
      "unreaped");
  EXPECT_TRUE(threadlings::testing::unreaped_children().empty());
}

// A clean test passes the fixture.
TEST(NoLeaks, CleanTestPasses) {
  ProbeFixture fixture;
  fixture.Start();
  { auto pipe = threadlings::make_pipe(); }
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  fixture.Finish();
  SUCCEED();
}

// unreaped_children sees a zombie (exited but not waited for).
TEST(NoLeaks, SeesZombieChildren) {
  auto pipe = threadlings::make_pipe();
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  // Wait until the child has exited without reaping it: waitid with WNOWAIT leaves it a zombie.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  const auto children = threadlings::testing::unreaped_children();
  EXPECT_NE(std::find(children.begin(), children.end(), child), children.end());
  int status = 0;
  ::waitpid(child, &status, 0);
}

}  // namespace
