// Lesson 09, shared memory: make count_in_parallel pass the tests in tests/09_shared_memory/.
// Concept: false sharing: counters that share a cache line slow each other down (lessons/09_shared_memory/README.md).
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#include "false_sharing.hpp"

#include <new>
#include <thread>
#include <vector>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson09 {

// TODO: one std::jthread per counter, thread i doing counters[i].value.fetch_add(1,
// std::memory_order_relaxed) `increments` times; time from before the first start to after the last
// join (std::chrono::steady_clock). One template used by both overloads keeps the comparison fair.
std::chrono::nanoseconds count_in_parallel(std::span<PackedCounter> counters, std::uint64_t increments) {
  throw NotImplemented("count_in_parallel (packed) — see lesson 09");
}

// TODO: the same, for padded counters.
std::chrono::nanoseconds count_in_parallel(std::span<PaddedCounter> counters, std::uint64_t increments) {
  throw NotImplemented("count_in_parallel (padded) — see lesson 09");
}

}  // namespace threadlings::lesson09
