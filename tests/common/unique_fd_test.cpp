#include "threadlings/unique_fd.hpp"

#include <utility>

#include <fcntl.h>
#include <gtest/gtest.h>

#include "threadlings/testing/no_leaks.hpp"

namespace {

using threadlings::UniqueFd;

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// A default-constructed UniqueFd owns nothing.
TEST(UniqueFd, DefaultIsEmpty) {
  const UniqueFd fd;
  EXPECT_EQ(fd.get(), -1);
  EXPECT_FALSE(fd);
}

// Destruction closes the descriptor.
TEST(UniqueFd, ClosesOnDestruction) {
  int raw = -1;
  {
    auto pipe = threadlings::make_pipe();
    raw = pipe.read_end.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

// Moving transfers ownership: the source is empty and only the target closes.
TEST(UniqueFd, MoveTransfersOwnership) {
  auto pipe = threadlings::make_pipe();
  const int raw = pipe.write_end.get();
  UniqueFd moved = std::move(pipe.write_end);
  EXPECT_EQ(pipe.write_end.get(), -1);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(moved.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

// release() gives the descriptor up without closing it.
TEST(UniqueFd, ReleaseDoesNotClose) {
  auto pipe = threadlings::make_pipe();
  const int raw = pipe.read_end.release();
  EXPECT_TRUE(is_open(raw));
  pipe.read_end.reset(raw);  // hand it back so it is closed
}

// Pipes are close-on-exec, so spawned programs do not inherit them by accident.
TEST(UniqueFd, PipeEndsAreCloseOnExec) {
  auto pipe = threadlings::make_pipe();
  EXPECT_TRUE(::fcntl(pipe.read_end.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(pipe.write_end.get(), F_GETFD) & FD_CLOEXEC);
}

}  // namespace
