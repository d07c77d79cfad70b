#include "threadlings/io.hpp"

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>

#include "threadlings/unique_fd.hpp"

namespace {

std::span<const std::byte> bytes_of(const std::string& text) { return std::as_bytes(std::span(text)); }

// More than a pipe holds (64 KiB by default) arrives whole: write_all loops over partial writes.
TEST(Io, WriteAllSendsMoreThanAPipeHolds) {
  auto pipe = threadlings::make_pipe();
  const std::string sent(1 << 20, 'x');
  std::thread writer([&] {
    threadlings::write_all(pipe.write_end.get(), bytes_of(sent));
    pipe.write_end.reset();
  });
  std::vector<std::byte> received(sent.size() + 1);
  const std::size_t n = threadlings::read_full(pipe.read_end.get(), received);
  writer.join();
  ASSERT_EQ(n, sent.size());
  EXPECT_EQ(std::memcmp(received.data(), sent.data(), n), 0);
}

// read_full stops early only at end of file.
TEST(Io, ReadFullReturnsShortCountAtEndOfFile) {
  auto pipe = threadlings::make_pipe();
  threadlings::write_all(pipe.write_end.get(), bytes_of("abc"));
  pipe.write_end.reset();
  std::vector<std::byte> buffer(10);
  EXPECT_EQ(threadlings::read_full(pipe.read_end.get(), buffer), 3U);
}

// Errors are reported as std::system_error, not swallowed.
TEST(Io, WriteToClosedDescriptorThrows) {
  EXPECT_THROW(threadlings::write_all(-1, bytes_of("x")), std::system_error);
}

}  // namespace
