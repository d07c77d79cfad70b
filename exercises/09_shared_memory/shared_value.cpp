// Lesson 09, shared memory: make SharedBlock (behind SharedValue, SharedArray) pass tests/09_shared_memory/.
// Concept: multiprocessing.Value and Array: typed memory that forked children share, with a lock.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#include "shared_value.hpp"

#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson09 {

// TODO: check the arguments (see the header), compute data_offset_ (sizeof(RobustMutex)
// rounded up to element_alignment) and mapping_size_ (data_offset_ + count * element_size, checking for
// overflow), then mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0).
// MAP_SHARED, not MAP_PRIVATE: a forked child must write the parent's pages, not copies. Construct the
// RobustMutex in place at the start of the mapping (placement new); unmap again if that throws.
// Remember getpid() in creator_.
SharedBlock::SharedBlock(std::size_t element_size, std::size_t element_alignment, std::size_t count) {
  throw NotImplemented("SharedBlock::SharedBlock — see lesson 09");
}

// TODO: release().
SharedBlock::~SharedBlock() = default;

// TODO: take over other's mapping; leave other with mapping_ == nullptr and count_ == 0.
SharedBlock::SharedBlock(SharedBlock&& other) noexcept {}

// TODO: release() this block's mapping, then take over other's (as the move constructor).
SharedBlock& SharedBlock::operator=(SharedBlock&& other) noexcept { return *this; }

// TODO: nothing to do without a mapping. The creator (getpid() == creator_) calls the mutex's
// destructor; every process munmap()s its view.
void SharedBlock::release() noexcept {}

// TODO: the RobustMutex at the start of the mapping (std::launder(reinterpret_cast<...>)); a
// moved-from block throws std::logic_error.
RobustMutex& SharedBlock::lock() const { throw NotImplemented("SharedBlock::lock — see lesson 09"); }

// TODO: IndexError unless index < count_ (mention the index and the count in the message);
// otherwise the address mapping_ + data_offset_ + index * element_size_.
std::byte* SharedBlock::element(std::size_t index) const { throw NotImplemented("SharedBlock::element — see lesson 09"); }

// TODO: find the element (a bad index throws before anything is locked), then memcpy it out
// while a SharedLockGuard holds the lock (the repair function may do nothing: see the header).
void SharedBlock::load(std::size_t index, std::byte* out) const { throw NotImplemented("SharedBlock::load — see lesson 09"); }

// TODO: as load(), copying in.
void SharedBlock::store(std::size_t index, const std::byte* in) { throw NotImplemented("SharedBlock::store — see lesson 09"); }

}  // namespace threadlings::lesson09
