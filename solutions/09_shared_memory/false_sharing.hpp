// Lesson 09, shared memory: make count_in_parallel pass the tests in tests/09_shared_memory/.
// Concept: false sharing: counters that share a cache line slow each other down (lessons/09_shared_memory/README.md).
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace threadlings::lesson09 {

/// The size of a cache line on the machines this course runs on (x86-64 and most ARM cores: 64
/// bytes). false_sharing.cpp checks it against std::hardware_destructive_interference_size with a
/// static_assert. The standard constant is not used here because GCC warns (-Winterference-size) about
/// any use of it in a header: its value depends on compiler flags (-mtune), so a layout built from it
/// could differ between two files of one program, and the ci preset turns that warning into an error.
inline constexpr std::size_t kCacheLineSize = 64;

/// One worker's counter, packed: 8 bytes, so eight neighbours in an array share one cache line, and a
/// write by one core takes the line away from all the others.
struct PackedCounter {
  std::atomic<std::uint64_t> value{0};
};

/// One worker's counter alone on its cache line: alignas makes every element of an array start a new
/// line, and the padding fills the rest of it.
struct alignas(kCacheLineSize) PaddedCounter {
  std::atomic<std::uint64_t> value{0};
};

static_assert(sizeof(PackedCounter) == sizeof(std::uint64_t), "a packed counter is just the number");
static_assert(sizeof(PaddedCounter) == kCacheLineSize, "a padded counter fills exactly one cache line");
static_assert(alignof(PaddedCounter) == kCacheLineSize, "a padded counter starts a cache line");

/// Starts one thread per counter; thread i adds 1 to counters[i] `increments` times (each a relaxed
/// fetch_add, so nothing is lost even if the same counter were shared), then joins them all. Returns the
/// wall time from the first start to the last join.
/// The two overloads differ only in layout, which is the point: compare their times (the demo does).
/// Blocks: until every thread has finished. Throws std::system_error when a thread can not be started
/// (the threads already started are joined first).
/// @threadsafety The caller must not touch `counters` until it returns.
std::chrono::nanoseconds count_in_parallel(std::span<PackedCounter> counters, std::uint64_t increments);
/// As above, with each counter on its own cache line.
std::chrono::nanoseconds count_in_parallel(std::span<PaddedCounter> counters, std::uint64_t increments);

}  // namespace threadlings::lesson09
