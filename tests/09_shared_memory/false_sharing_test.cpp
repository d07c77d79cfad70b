// Tests of lesson 09's counters: the padded layout puts each counter on its own cache line, and
// count_in_parallel() counts every increment of every worker. (How much faster padding is, is a
// measurement: the demo prints it; tests never assert on speed.)
#include "false_sharing.hpp"

#include <cstdint>
#include <span>
#include <vector>

#include <gtest/gtest.h>

namespace {

using threadlings::lesson09::count_in_parallel;
using threadlings::lesson09::kCacheLineSize;
using threadlings::lesson09::PackedCounter;
using threadlings::lesson09::PaddedCounter;

std::uintptr_t line_of(const void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer) / kCacheLineSize; }

// Each padded counter starts a cache line of its own, and counting on them works; eight packed
// counters fit in one or two lines.
TEST(FalseSharing, PaddedCountersSitOnDistinctCacheLines) {
  std::vector<PaddedCounter> padded(4);
  (void)count_in_parallel(std::span(padded), 1);
  for (std::size_t i = 0; i < padded.size(); ++i) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&padded[i]) % kCacheLineSize, 0U) << "counter " << i;
    EXPECT_EQ(line_of(&padded[i]), line_of(&padded[0]) + i) << "counter " << i;
    EXPECT_EQ(padded[i].value.load(), 1U) << "counter " << i;
  }
  std::vector<PackedCounter> packed(8);
  EXPECT_LE(line_of(&packed[7]) - line_of(&packed[0]), 1U) << "packed counters are meant to share lines";
  // The standard's constant is checked against kCacheLineSize in false_sharing.cpp (see its comment).
}

// Every worker's increments all arrive, in both layouts, and each worker counts only its own counter.
TEST(FalseSharing, EveryCounterGetsAllItsIncrements) {
  constexpr std::uint64_t kIncrements = 20'000;
  std::vector<PackedCounter> packed(4);
  std::vector<PaddedCounter> padded(4);
  (void)count_in_parallel(std::span(packed), kIncrements);
  (void)count_in_parallel(std::span(padded), kIncrements);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(packed[i].value.load(), kIncrements) << "packed counter " << i;
    EXPECT_EQ(padded[i].value.load(), kIncrements) << "padded counter " << i;
  }
}

// The time returned covers the work: it is positive, and a run with no counters is trivially short.
TEST(FalseSharing, ReturnsTheElapsedTime) {
  std::vector<PaddedCounter> padded(2);
  EXPECT_GT(count_in_parallel(std::span(padded), 1'000).count(), 0);
  EXPECT_GE(count_in_parallel(std::span<PaddedCounter>(), 1'000).count(), 0);
}

}  // namespace
