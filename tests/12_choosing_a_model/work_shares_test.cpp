// Lesson 12: work_share() deals 0..limit out in blocks, like cards. Pure functions: no threads here.
#include "work_shares.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using threadlings::lesson12::Block;
using threadlings::lesson12::work_share;

// How many times each number 0..limit appears in the shares of all workers.
std::vector<int> coverage(std::uint64_t limit, unsigned workers, std::uint64_t block_size) {
  std::vector<int> seen(limit + 1, 0);
  for (unsigned worker = 0; worker < workers; ++worker) {
    for (const Block block : work_share(limit, worker, workers, block_size)) {
      EXPECT_LT(block.begin, block.end) << "worker " << worker << " got an empty block";
      for (std::uint64_t n = block.begin; n < block.end; ++n) {
        if (n > limit) {
          ADD_FAILURE() << "worker " << worker << " got " << n << ", past the limit " << limit;
          return seen;
        }
        ++seen[n];
      }
    }
  }
  return seen;
}

// Every number from 0 to limit (limit included) is in exactly one worker's share: edge limits around
// the block size, and more workers than blocks.
TEST(WorkShare, TheSharesHoldEveryNumberExactlyOnce) {
  for (const std::uint64_t limit : {0U, 1U, 9U, 10U, 11U, 99U, 100U, 101U, 997U}) {
    for (const unsigned workers : {1U, 2U, 3U, 7U, 200U}) {
      const std::vector<int> seen = coverage(limit, workers, 10);
      for (std::uint64_t n = 0; n <= limit; ++n) {
        ASSERT_EQ(seen[n], 1) << "number " << n << " with limit " << limit << " and " << workers << " workers";
      }
    }
  }
}

// Blocks are dealt like cards: worker 1 of 3 gets blocks 1, 4, 7, ..., in increasing order, and the
// last block stops after the limit.
TEST(WorkShare, DealsBlocksRoundRobin) {
  const std::vector<Block> expected = {{10, 20}, {40, 50}, {70, 80}, {100, 103}};
  EXPECT_EQ(work_share(102, 1, 3, 10), expected);
  EXPECT_EQ(work_share(102, 0, 1, 50), (std::vector<Block>{{0, 50}, {50, 100}, {100, 103}}));
}

// Every worker gets numbers from the whole range, so no worker is left alone with the largest (and
// slowest) numbers: a worker's last block lies among the last `workers` blocks.
TEST(WorkShare, EveryWorkerGetsNumbersFromTheWholeRange) {
  constexpr std::uint64_t kLimit = 1'000'000;
  constexpr std::uint64_t kBlock = 1'000;
  for (const unsigned workers : {2U, 3U, 4U, 8U}) {
    for (unsigned worker = 0; worker < workers; ++worker) {
      const std::vector<Block> share = work_share(kLimit, worker, workers, kBlock);
      ASSERT_FALSE(share.empty());
      EXPECT_LT(share.front().begin, workers * kBlock) << "worker " << worker << " of " << workers;
      EXPECT_GT(share.back().end, kLimit + 1 - workers * kBlock) << "worker " << worker << " of " << workers;
    }
  }
}

// The shares are equal to within one block, so the workers finish at about the same time.
TEST(WorkShare, SharesDifferByAtMostOneBlock) {
  constexpr std::uint64_t kBlock = 100;
  for (const std::uint64_t limit : {999U, 12'345U, 100'000U}) {
    for (const unsigned workers : {2U, 3U, 5U}) {
      std::uint64_t smallest = std::numeric_limits<std::uint64_t>::max();
      std::uint64_t largest = 0;
      for (unsigned worker = 0; worker < workers; ++worker) {
        std::uint64_t numbers = 0;
        for (const Block block : work_share(limit, worker, workers, kBlock)) numbers += block.end - block.begin;
        smallest = std::min(smallest, numbers);
        largest = std::max(largest, numbers);
      }
      EXPECT_LE(largest - smallest, kBlock) << "limit " << limit << ", " << workers << " workers";
    }
  }
}

// A worker with no block left gets an empty share, not a block past the limit.
TEST(WorkShare, AWorkerBeyondTheLastBlockGetsNothing) {
  EXPECT_TRUE(work_share(25, 3, 5, 10).empty());
  EXPECT_EQ(work_share(25, 2, 5, 10), (std::vector<Block>{{20, 26}}));
}

// Arguments that would divide by zero, skip numbers or never end are rejected, naming the mistake.
TEST(WorkShare, RejectsImpossibleArguments) {
  EXPECT_THAT([] { (void)work_share(100, 0, 0); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("workers")));
  EXPECT_THAT([] { (void)work_share(100, 2, 2); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("worker 2 of 2")));
  EXPECT_THAT([] { (void)work_share(100, 0, 2, 0); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("block_size")));
  EXPECT_THAT([] { (void)work_share(std::numeric_limits<std::uint64_t>::max(), 0, 2); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("limit")));
}

}  // namespace
