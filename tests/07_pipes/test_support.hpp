// Helpers shared by lesson 07's tests: bytes from text and back, a recognisable pattern, raw writes.
// (Threads the tests watch and the signal that interrupts a blocking call come from common/testing.)
#pragma once

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <sys/types.h>

#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace lesson07_test {

/// The characters of `text` as bytes.
inline std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> result(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) result[i] = static_cast<std::byte>(text[i]);
  return result;
}

/// The bytes as text, for readable failure messages.
inline std::string text_of(const std::vector<std::byte>& bytes) {
  std::string result(bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) result[i] = static_cast<char>(bytes[i]);
  return result;
}

/// `size` bytes of a recognisable pattern (byte i is i % 251), so that a lost or repeated chunk shows.
/// interop_peer.py builds the same pattern.
inline std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> result(size);
  for (std::size_t i = 0; i < size; ++i) result[i] = static_cast<std::byte>(i % 251);
  return result;
}

/// Writes raw bytes to `fd` (a hand-made header, say), bypassing Connection.
void write_raw(int fd, const std::vector<std::byte>& bytes);

/// Sets or clears O_NONBLOCK on `fd`.
void set_nonblocking(int fd, bool on);

}  // namespace lesson07_test
