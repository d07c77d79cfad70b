// Tests of lesson 07's framing: the exact header bytes CPython's multiprocessing.connection writes.
#include "framing.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace {

using threadlings::lesson07::decode_long_header;
using threadlings::lesson07::decode_short_header;
using threadlings::lesson07::encode_header;

// The header as a list of byte values, for readable comparisons.
std::vector<int> header_bytes(std::uint64_t payload_size) {
  const auto header = encode_header(payload_size);
  std::vector<int> values;
  for (const std::byte b : header.view()) values.push_back(std::to_integer<int>(b));
  return values;
}

// An empty message still has a header: four zero bytes (struct.pack("!i", 0)).
TEST(Framing, HeaderOfAnEmptyMessageIsFourZeroBytes) {
  EXPECT_EQ(header_bytes(0), (std::vector<int>{0, 0, 0, 0}));
}

// Five bytes: 00 00 00 05, the length in four bytes.
TEST(Framing, HeaderOfFiveBytesIsFourBytesLong) {
  EXPECT_EQ(header_bytes(5), (std::vector<int>{0, 0, 0, 5}));
}

// The most significant byte goes first (network byte order), whatever the host's byte order.
TEST(Framing, HeaderIsBigEndian) {
  EXPECT_EQ(header_bytes(0x01020304), (std::vector<int>{0x01, 0x02, 0x03, 0x04}));
  EXPECT_EQ(header_bytes(65536), (std::vector<int>{0x00, 0x01, 0x00, 0x00}));
}

// 2^31 - 1 bytes is the longest payload the short header can announce: 7F FF FF FF.
TEST(Framing, LongestShortHeaderIs7FFFFFFF) {
  EXPECT_EQ(header_bytes(0x7fff'ffff), (std::vector<int>{0x7f, 0xff, 0xff, 0xff}));
}

// From 2^31 bytes on: the marker -1 (FF FF FF FF), then the length in eight big-endian bytes.
TEST(Framing, LongerPayloadsGetTheMarkerAndAnEightByteLength) {
  EXPECT_EQ(header_bytes(0x8000'0000),
            (std::vector<int>{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0}));
  EXPECT_EQ(header_bytes(std::uint64_t{1} << 40),  // 1 TiB
            (std::vector<int>{0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0}));
}

// Decoding reads back what encoding wrote, including the marker and negative values.
TEST(Framing, DecodeReadsWhatEncodeWrote) {
  const auto five = encode_header(5);
  EXPECT_EQ(decode_short_header(std::span<const std::byte, 4>(five.bytes.data(), 4)), 5);
  const auto longest = encode_header(0x7fff'ffff);
  EXPECT_EQ(decode_short_header(std::span<const std::byte, 4>(longest.bytes.data(), 4)), 0x7fff'ffff);

  const auto huge = encode_header((std::uint64_t{1} << 40) + 3);
  EXPECT_EQ(decode_short_header(std::span<const std::byte, 4>(huge.bytes.data(), 4)), -1);
  EXPECT_EQ(decode_long_header(std::span<const std::byte, 8>(huge.bytes.data() + 4, 8)), (std::uint64_t{1} << 40) + 3);

  const std::array<std::byte, 4> minus_two{std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xfe}};
  EXPECT_EQ(decode_short_header(minus_two), -2);
}

}  // namespace
