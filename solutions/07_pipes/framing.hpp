// Lesson 07, pipes: make the framing functions pass the tests in tests/07_pipes/framing_test.cpp.
// Concept: multiprocessing.connection's wire format: a big-endian length header before every message.
// Check: ./threadlings check 07    (or ctest --preset student -L lesson07)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

/// Lesson 07: multiprocessing.Pipe and Connection over POSIX pipes and socket pairs.
namespace threadlings::lesson07 {

/// The largest payload that CPython announces with the short, 4-byte header (2^31 - 1 bytes).
inline constexpr std::uint64_t kMaxShortPayload = 0x7fff'ffff;

/// The value of a short header that means "the real length follows as 8 more bytes".
inline constexpr std::int32_t kLongHeaderMarker = -1;

/// The bytes that go on the wire in front of a payload.
///
/// CPython's `Connection._send_bytes` writes a 4-byte big-endian signed length when the payload has
/// at most 2^31 - 1 bytes. A longer payload gets the value -1 in those 4 bytes, followed by an 8-byte
/// big-endian unsigned length. Either way the payload follows, with nothing in between.
///
/// @threadsafety A value: copy it freely.
struct FrameHeader {
  std::array<std::byte, 12> bytes{};  ///< the header; only the first `size` bytes are used
  std::size_t size = 0;               ///< 4 for a short header, 12 for a long one

  /// The header as it goes on the wire.
  [[nodiscard]] std::span<const std::byte> view() const noexcept { return {bytes.data(), size}; }
};

/// The header for a payload of `payload_size` bytes. Pure: it allocates nothing and touches no
/// descriptor, so a test can check the header of a 2 GiB message without having 2 GiB.
/// Does not block; does not throw.
[[nodiscard]] FrameHeader encode_header(std::uint64_t payload_size);

/// Reads the 4-byte header: a length from 0 to 2^31 - 1, kLongHeaderMarker (-1) when an 8-byte length
/// follows, or another negative value, which no sender writes (the caller reports a bad length).
[[nodiscard]] std::int32_t decode_short_header(std::span<const std::byte, 4> bytes);

/// Reads the 8-byte length that follows a kLongHeaderMarker.
[[nodiscard]] std::uint64_t decode_long_header(std::span<const std::byte, 8> bytes);

}  // namespace threadlings::lesson07
