#include "threadlings/timer_fd.hpp"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <sys/timerfd.h>
#include <unistd.h>

namespace threadlings {

UniqueFd readable_after(std::chrono::nanoseconds delay) {
  UniqueFd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
  if (!fd) throw std::system_error(errno, std::generic_category(), "timerfd_create");
  // All zeros would disarm the timer: the shortest real delay instead.
  const std::chrono::nanoseconds due = delay > std::chrono::nanoseconds::zero() ? delay : std::chrono::nanoseconds(1);
  itimerspec setting{};
  setting.it_value.tv_sec = static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(due).count());
  setting.it_value.tv_nsec = static_cast<long>((due % std::chrono::seconds(1)).count());
  if (::timerfd_settime(fd.get(), 0, &setting, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "timerfd_settime");
  }
  return fd;
}

void wait_for_expiry(int fd) {
  std::uint64_t expirations = 0;
  while (::read(fd, &expirations, sizeof expirations) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "read(timerfd)");
  }
}

}  // namespace threadlings
