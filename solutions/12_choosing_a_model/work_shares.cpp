// Lesson 12, choosing a model: make work_share() pass the tests in tests/12_choosing_a_model/.
// Concept: dealing CPU-bound work out so that every worker gets an equal share (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#include "work_shares.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace threadlings::lesson12 {

// Provided: the work itself, the same in every model, so that the lab compares models, not code.
bool is_prime(std::uint64_t n) noexcept {
  if (n < 2) return false;
  for (std::uint64_t divisor = 2; divisor * divisor <= n; ++divisor) {
    if (n % divisor == 0) return false;
  }
  return true;
}

std::uint64_t count_primes(Block block) noexcept {
  std::uint64_t count = 0;
  for (std::uint64_t n = block.begin; n < block.end; ++n) count += is_prime(n) ? 1U : 0U;
  return count;
}

std::uint64_t count_primes_up_to(std::uint64_t limit) noexcept {
  // limit itself apart: Block{0, limit + 1} would wrap around for the largest limit.
  return count_primes(Block{0, limit}) + (is_prime(limit) ? 1U : 0U);
}

std::vector<Block> work_share(std::uint64_t limit, unsigned worker, unsigned workers, std::uint64_t block_size) {
  // Checked before any arithmetic: each of these would divide by zero, skip numbers or never end.
  if (workers == 0) throw std::invalid_argument("work_share(): workers must be at least 1");
  if (worker >= workers) {
    throw std::invalid_argument("work_share(): worker " + std::to_string(worker) + " of " +
                                std::to_string(workers) + " (workers are numbered from 0)");
  }
  if (block_size == 0) throw std::invalid_argument("work_share(): block_size must be at least 1");
  if (limit == std::numeric_limits<std::uint64_t>::max()) {
    throw std::invalid_argument("work_share(): limit must be below the largest std::uint64_t");
  }
  const std::uint64_t end_of_all = limit + 1;  // one past the last number to count
  std::vector<Block> share;
  // This worker's first block is block number `worker`; past the end, it has nothing to do. (Compared
  // by division: worker * block_size could overflow.)
  if (worker > (end_of_all - 1) / block_size) return share;
  // Dealt like cards: block k goes to worker k % workers, so every worker gets small and large numbers.
  // The stride saturates instead of wrapping, and the loop stops before `begin` could pass the end.
  constexpr std::uint64_t kLargest = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t stride = block_size > kLargest / workers ? kLargest : block_size * workers;
  for (std::uint64_t begin = block_size * worker;; begin += stride) {
    share.push_back(Block{begin, begin + std::min(block_size, end_of_all - begin)});
    if (end_of_all - begin <= stride) break;  // the next block of this worker would start past the end
  }
  return share;
}

}  // namespace threadlings::lesson12
