// Lesson 12, choosing a model: make work_share() pass the tests in tests/12_choosing_a_model/.
// Concept: dealing CPU-bound work out so that every worker gets an equal share (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#pragma once

#include <cstdint>
#include <vector>

namespace threadlings::lesson12 {

/// The numbers begin, begin + 1, ..., end - 1 (empty when begin == end).
struct Block {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;

  friend bool operator==(const Block&, const Block&) = default;
};

/// How many numbers a block holds unless the caller says otherwise: large enough that handing out a
/// block costs nothing next to counting its primes, small enough that a few hundred blocks share out
/// a few million numbers evenly.
inline constexpr std::uint64_t kDefaultBlockSize = 10'000;

/// True when `n` is prime, by trial division: deliberately CPU-bound, like the Python original, and
/// slower for larger numbers (which is why the shares below are dealt out, not cut in halves).
/// @threadsafety A pure function.
[[nodiscard]] bool is_prime(std::uint64_t n) noexcept;

/// How many primes `block` holds.
/// @threadsafety A pure function.
[[nodiscard]] std::uint64_t count_primes(Block block) noexcept;

/// The serial reference: how many primes there are in 0, 1, ..., limit (limit itself included).
/// @threadsafety A pure function.
[[nodiscard]] std::uint64_t count_primes_up_to(std::uint64_t limit) noexcept;

/// The blocks that worker `worker` of `workers` counts when the numbers 0, 1, ..., limit are cut into
/// blocks of `block_size` and dealt out like cards: worker w gets blocks w, w + workers, w + 2 * workers
/// and so on, in increasing order. Block k holds the numbers k * block_size up to (k + 1) * block_size,
/// and the last block ends after `limit`, so that the shares of all workers together hold every number
/// from 0 to limit exactly once. A worker with no block (more workers than blocks) gets an empty list.
///
/// Why dealt out: the time to test a number grows with the number, so cutting 0..limit into `workers`
/// consecutive pieces gives the last worker the slowest numbers, and everyone else waits for it.
///
/// Throws std::invalid_argument when workers == 0, worker >= workers, block_size == 0, or limit is the
/// largest std::uint64_t (the block after it could not be written down).
/// @threadsafety A pure function.
[[nodiscard]] std::vector<Block> work_share(std::uint64_t limit, unsigned worker, unsigned workers,
                                            std::uint64_t block_size = kDefaultBlockSize);

}  // namespace threadlings::lesson12
