// Helpers shared by lesson 07's tests (see test_support.hpp).
#include "test_support.hpp"

#include <span>

#include "threadlings/io.hpp"

namespace lesson07_test {

void write_raw(int fd, const std::vector<std::byte>& bytes) { threadlings::write_all(fd, bytes); }

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) != 0) {
    throw std::system_error(errno, std::generic_category(), "fcntl O_NONBLOCK");
  }
}

}  // namespace lesson07_test
