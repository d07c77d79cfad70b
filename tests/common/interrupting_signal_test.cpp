#include "threadlings/testing/interrupting_signal.hpp"

#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::testing::InterruptingSignal;
using threadlings::testing::ObservedThread;

// A read blocked on an empty pipe fails with EINTR when interrupted: the handler has no SA_RESTART.
TEST(InterruptingSignal, InterruptsABlockedRead) {
  InterruptingSignal interrupting;
  auto pipe = threadlings::make_pipe();
  long result = 0;
  int error = 0;
  ObservedThread reader([&] {
    char byte = 0;
    result = ::read(pipe.read_end.get(), &byte, 1);
    error = errno;
  });
  ASSERT_TRUE(reader.blocked());
  interrupting.interrupt(reader.native_handle());
  reader.join();
  EXPECT_EQ(result, -1);
  EXPECT_EQ(error, EINTR);
}

}  // namespace
