#include "threadlings/io.hpp"

#include <cerrno>
#include <system_error>

#include <unistd.h>

namespace threadlings {

void write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;  // a signal arrived before anything was written: try again
      throw std::system_error(errno, std::generic_category(), "write");
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));  // a partial write: send the rest
  }
}

std::size_t read_full(int fd, std::span<std::byte> buffer) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    const ssize_t got = ::read(fd, buffer.data() + filled, buffer.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read");
    }
    if (got == 0) break;  // end of file: the writer closed its end
    filled += static_cast<std::size_t>(got);
  }
  return filled;
}

}  // namespace threadlings
