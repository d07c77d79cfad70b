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

namespace threadlings::lesson09 {

namespace {

std::size_t round_up(std::size_t value, std::size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

SharedBlock::SharedBlock(std::size_t element_size, std::size_t element_alignment, std::size_t count)
    : element_size_(element_size), count_(count), creator_(::getpid()) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (element_size == 0) throw std::invalid_argument("SharedBlock: element_size must not be 0");
  if (element_alignment == 0 || (element_alignment & (element_alignment - 1)) != 0 || element_alignment > page) {
    throw std::invalid_argument("SharedBlock: element_alignment " + std::to_string(element_alignment) +
                                " is not a power of two no larger than a page");
  }
  // The mutex first (mmap returns page-aligned memory, enough for it), then the elements, aligned.
  data_offset_ = round_up(sizeof(RobustMutex), element_alignment);
  if (count > (std::numeric_limits<std::size_t>::max() - data_offset_ - page) / element_size) {
    throw std::length_error("SharedBlock: " + std::to_string(count) + " elements of " +
                            std::to_string(element_size) + " bytes do not fit in memory");
  }
  mapping_size_ = data_offset_ + count * element_size;
  // MAP_SHARED: parent and forked children keep writing the same pages. MAP_PRIVATE would give each
  // process its own copy at its first write, exactly like the rest of its memory.
  void* mapping = ::mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "SharedBlock: mmap");
  mapping_ = static_cast<std::byte*>(mapping);
  try {
    new (mapping_) RobustMutex();  // constructed in place: it must live in the shared pages
  } catch (...) {
    ::munmap(mapping_, mapping_size_);
    mapping_ = nullptr;
    throw;
  }
}

SharedBlock::~SharedBlock() { release(); }

SharedBlock::SharedBlock(SharedBlock&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(other.mapping_size_),
      data_offset_(other.data_offset_),
      element_size_(other.element_size_),
      count_(std::exchange(other.count_, 0)),
      creator_(other.creator_) {}

SharedBlock& SharedBlock::operator=(SharedBlock&& other) noexcept {
  if (this != &other) {
    release();
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_size_ = other.mapping_size_;
    data_offset_ = other.data_offset_;
    element_size_ = other.element_size_;
    count_ = std::exchange(other.count_, 0);
    creator_ = other.creator_;
  }
  return *this;
}

void SharedBlock::release() noexcept {
  if (mapping_ == nullptr) return;
  // Only the creator destroys the mutex: a forked child that runs its destructors must not destroy a
  // lock its parent still uses. Every process unmaps its own view.
  if (::getpid() == creator_) std::launder(reinterpret_cast<RobustMutex*>(mapping_))->~RobustMutex();
  ::munmap(mapping_, mapping_size_);
  mapping_ = nullptr;
}

RobustMutex& SharedBlock::lock() const {
  if (mapping_ == nullptr) throw std::logic_error("SharedBlock: used after being moved from");
  return *std::launder(reinterpret_cast<RobustMutex*>(mapping_));
}

std::byte* SharedBlock::element(std::size_t index) const {
  if (mapping_ == nullptr) throw std::logic_error("SharedBlock: used after being moved from");
  if (index >= count_) {  // the last element is count_ - 1
    throw IndexError("index " + std::to_string(index) + " out of range for a shared array of " +
                     std::to_string(count_) + " elements");
  }
  return mapping_ + data_offset_ + index * element_size_;
}

void SharedBlock::load(std::size_t index, std::byte* out) const {
  std::byte* source = element(index);  // check before locking: a bad index throws with nothing held
  SharedLockGuard guard(lock(), [] {});  // one element, one memcpy: nothing to repair but a torn copy
  std::memcpy(out, source, element_size_);
}

void SharedBlock::store(std::size_t index, const std::byte* in) {
  std::byte* target = element(index);
  SharedLockGuard guard(lock(), [] {});
  std::memcpy(target, in, element_size_);
}

}  // namespace threadlings::lesson09
