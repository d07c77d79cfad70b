#include "threadlings/testing/no_leaks.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mman.h>
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

// A shared-memory object created during the test and left linked is reported, then unlinked.
TEST(NoLeaks, ReportsLinkedSharedMemory) {
  ProbeFixture fixture;
  const std::string name = threadlings::testing::unique_shared_memory_name("leak-probe");
  EXPECT_NONFATAL_FAILURE(
      {
        fixture.Start();
        const int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
        ASSERT_GE(fd, 0);
        ::close(fd);
        fixture.Finish();
      },
      "left shared-memory object " + name);
  EXPECT_EQ(threadlings::testing::own_shared_memory_objects().count(name.substr(1)), 0U);
}

// Only this process's objects count: a name carrying another pid is someone else's (parallel ctest).
TEST(NoLeaks, IgnoresOtherProcessesSharedMemory) {
  const std::string name = "/threadlings-999999999-0-someone-else";
  const int fd = ::shm_open(name.c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(threadlings::testing::own_shared_memory_objects().count(name.substr(1)), 0U);
  ::shm_unlink(name.c_str());
}

// A clean test passes the fixture.
TEST(NoLeaks, CleanTestPasses) {
  ProbeFixture fixture;
  fixture.Start();
  { auto pipe = threadlings::make_pipe(); }
  const std::string name = threadlings::testing::unique_shared_memory_name("clean-probe");
  const int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ::shm_unlink(name.c_str());
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
