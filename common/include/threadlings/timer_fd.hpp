#pragma once
/// @file
/// A descriptor that becomes readable after a delay: what the demos use in place of a socket whose
/// reply takes that long (a CLOCK_MONOTONIC timerfd that expires once).

#include <chrono>

#include "threadlings/unique_fd.hpp"

namespace threadlings {

/// A timerfd that becomes readable `delay` from now and stays readable until wait_for_expiry() reads
/// it. Blocking and close-on-exec. A delay of zero or less expires at once (a zero timerfd setting
/// would disarm the timer instead, and the descriptor would never become readable).
/// Throws std::system_error when timerfd_create or timerfd_settime fails (EMFILE, say).
/// @threadsafety Safe from any thread; the descriptor belongs to the caller.
[[nodiscard]] UniqueFd readable_after(std::chrono::nanoseconds delay);

/// Reads timerfd `fd`'s expiry count: blocks until the timer has expired (at once if it has).
/// Retries EINTR; throws std::system_error on any other error.
/// @threadsafety Safe from any thread; one reader per descriptor.
void wait_for_expiry(int fd);

}  // namespace threadlings
