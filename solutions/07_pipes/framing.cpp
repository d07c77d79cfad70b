// Lesson 07, pipes: make the framing functions pass the tests in tests/07_pipes/framing_test.cpp.
// Concept: multiprocessing.connection's wire format: a big-endian length header before every message.
// Check: ./threadlings check 07    (or ctest --preset student -L lesson07)
#include "framing.hpp"

namespace threadlings::lesson07 {

namespace {

// Writes the low `count` bytes of `value` into `out`, most significant first ("network byte order",
// Python's struct format "!"). Shifts work on the value, so the host's own byte order never matters.
void put_big_endian(std::uint64_t value, std::byte* out, int count) {
  for (int i = count - 1; i >= 0; --i) {
    out[i] = static_cast<std::byte>(value & 0xff);
    value >>= 8;
  }
}

// Reads `bytes` as one unsigned number, most significant byte first.
std::uint64_t get_big_endian(std::span<const std::byte> bytes) {
  std::uint64_t value = 0;
  for (const std::byte b : bytes) value = (value << 8) | std::to_integer<std::uint64_t>(b);
  return value;
}

}  // namespace

FrameHeader encode_header(std::uint64_t payload_size) {
  FrameHeader header;
  if (payload_size <= kMaxShortPayload) {
    // struct.pack("!i", n): the length fits a signed 32-bit number.
    put_big_endian(payload_size, header.bytes.data(), 4);
    header.size = 4;
  } else {
    // struct.pack("!i", -1) + struct.pack("!Q", n): the marker, then the full 64-bit length.
    put_big_endian(0xffff'ffff, header.bytes.data(), 4);
    put_big_endian(payload_size, header.bytes.data() + 4, 8);
    header.size = 12;
  }
  return header;
}

std::int32_t decode_short_header(std::span<const std::byte, 4> bytes) {
  // Unsigned first, then the two's-complement reading of the same 32 bits ("!i" is signed).
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(get_big_endian(bytes)));
}

std::uint64_t decode_long_header(std::span<const std::byte, 8> bytes) { return get_big_endian(bytes); }

}  // namespace threadlings::lesson07
