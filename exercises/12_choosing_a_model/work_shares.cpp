// Lesson 12, choosing a model: make work_share() pass the tests in tests/12_choosing_a_model/.
// Concept: dealing CPU-bound work out so that every worker gets an equal share (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#include "work_shares.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "threadlings/not_implemented.hpp"

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

// TODO: first reject what the contract rejects, each with a std::invalid_argument naming it (workers
// == 0; worker >= workers, saying "worker W of N"; block_size == 0; the largest limit). Then deal:
// this worker's blocks start at worker * block_size and follow every block_size * workers numbers;
// each block holds block_size numbers, except the last, which ends at limit + 1 (limit is counted).
// Careful at the end: stop before a block would start past limit.
std::vector<Block> work_share(std::uint64_t limit, unsigned worker, unsigned workers, std::uint64_t block_size) {
  (void)limit;
  (void)worker;
  (void)workers;
  (void)block_size;
  throw NotImplemented("work_share — see lesson 12");
}

}  // namespace threadlings::lesson12
