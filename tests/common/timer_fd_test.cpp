// readable_after() and wait_for_expiry(): a descriptor that becomes readable after a delay.
#include "threadlings/timer_fd.hpp"

#include <chrono>

#include <gtest/gtest.h>
#include <poll.h>

#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::readable_after;
using threadlings::wait_for_expiry;

class TimerFd : public threadlings::testing::NoLeaksTest {};

// How poll() sees `fd` after waiting at most `timeout` for it to become readable.
bool readable_within(int fd, std::chrono::milliseconds timeout) {
  pollfd watched{fd, POLLIN, 0};
  return ::poll(&watched, 1, static_cast<int>(timeout.count())) == 1 && (watched.revents & POLLIN) != 0;
}

// Not readable before its delay (an hour: the test does not wait for it).
TEST_F(TimerFd, IsNotReadableBeforeItsDelay) {
  const threadlings::UniqueFd fd = readable_after(1h);
  EXPECT_FALSE(readable_within(fd.get(), 0ms));
}

// Readable once the delay has passed, and wait_for_expiry() then returns at once.
TEST_F(TimerFd, BecomesReadableAfterItsDelay) {
  const threadlings::UniqueFd fd = readable_after(1ms);
  EXPECT_TRUE(readable_within(fd.get(), 30'000ms));
  wait_for_expiry(fd.get());
  EXPECT_FALSE(readable_within(fd.get(), 0ms)) << "reading the expiry consumes it";
}

// A zero or negative delay expires at once: it must not disarm the timer (a zero setting would).
TEST_F(TimerFd, ZeroOrNegativeDelayIsReadableAtOnce) {
  for (const auto delay : {0ns, -5ns}) {
    const threadlings::UniqueFd fd = readable_after(delay);
    EXPECT_TRUE(readable_within(fd.get(), 30'000ms)) << delay.count() << " ns";
  }
}

}  // namespace
