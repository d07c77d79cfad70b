// Lesson 07, pipes: make the framing functions pass the tests in tests/07_pipes/framing_test.cpp.
// Concept: multiprocessing.connection's wire format: a big-endian length header before every message.
// Check: ./threadlings check 07    (or ctest --preset student -L lesson07)
#include "framing.hpp"

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson07 {

// TODO: up to kMaxShortPayload bytes: the length in 4 bytes, most significant byte first (size 4).
// Longer: the 4 bytes of -1 (FF FF FF FF), then the length in 8 bytes, most significant first (size 12).
// Use shifts (value >> 24, ...), not memcpy: memcpy copies the host's byte order, which is little-endian.
FrameHeader encode_header(std::uint64_t payload_size) {
  throw NotImplemented("encode_header — see lesson 07");
}

// TODO: the 4 bytes as one big-endian number, read as a signed 32-bit value (FF FF FF FF is -1).
std::int32_t decode_short_header(std::span<const std::byte, 4> bytes) {
  throw NotImplemented("decode_short_header — see lesson 07");
}

// TODO: the 8 bytes as one big-endian unsigned number.
std::uint64_t decode_long_header(std::span<const std::byte, 8> bytes) {
  throw NotImplemented("decode_long_header — see lesson 07");
}

}  // namespace threadlings::lesson07
