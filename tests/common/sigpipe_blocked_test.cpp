#include "threadlings/sigpipe_blocked.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <signal.h>

#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

std::span<const std::byte> bytes_of(const std::string& text) { return std::as_bytes(std::span(text)); }

bool sigpipe_blocked_here() {
  sigset_t mask;
  sigemptyset(&mask);
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, SIGPIPE) == 1;
}

bool sigpipe_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

// A write to a pipe with no reader fails with EPIPE instead of killing the process, and the SIGPIPE
// it raised is gone once the guard is: the process survives the end of the scope too.
TEST(SigpipeBlocked, WriteToAClosedPipeFailsWithEpipeAndTheSignalIsDiscarded) {
  ASSERT_FALSE(sigpipe_blocked_here()) << "the test needs SIGPIPE unblocked to begin with";
  auto pipe = threadlings::make_pipe();
  pipe.read_end.reset();
  {
    const threadlings::SigpipeBlocked no_sigpipe;
    EXPECT_TRUE(sigpipe_blocked_here());
    try {
      threadlings::write_all(pipe.write_end.get(), bytes_of("nobody reads this"));
      ADD_FAILURE() << "a write to a pipe without a reader succeeded";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code().value(), EPIPE);
    }
  }
  EXPECT_FALSE(sigpipe_blocked_here()) << "the previous mask was not restored";
  EXPECT_FALSE(sigpipe_pending());
}

// A SIGPIPE that was pending before the guard, on a thread that had it blocked, is the caller's: it stays.
TEST(SigpipeBlocked, LeavesTheCallersPendingSignalAlone) {
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  sigset_t previous;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &sigpipe, &previous), 0);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGPIPE), 0);
  { const threadlings::SigpipeBlocked no_sigpipe; }
  EXPECT_TRUE(sigpipe_blocked_here());
  EXPECT_TRUE(sigpipe_pending()) << "the guard discarded a SIGPIPE that was not its own";
  const timespec no_wait{};
  EXPECT_EQ(sigtimedwait(&sigpipe, nullptr, &no_wait), SIGPIPE);  // clean up: take it, then unblock
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace
