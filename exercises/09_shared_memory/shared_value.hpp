// Lesson 09, shared memory: make SharedBlock (behind SharedValue, SharedArray) pass tests/09_shared_memory/.
// Concept: multiprocessing.Value and Array: typed memory that forked children share, with a lock.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#pragma once

// TODO: nothing to write in this header: read the contracts, then fill in shared_value.cpp
// (an edit here rebuilds the tests; an edit of shared_value.cpp only relinks them).

#include <array>
#include <bit>
#include <cstddef>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <sys/types.h>

#include "robust_mutex.hpp"

namespace threadlings::lesson09 {

/// Python's IndexError: an index outside a SharedArray (or SharedBlock). Also a std::out_of_range.
class IndexError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

/// The types a SharedValue or SharedArray can hold: those that are bytes and nothing else, so that a
/// copy of their bytes is a copy of the value, in any process (Python's ctypes types: c_int, c_double,
/// structures of them). A std::string or std::vector is not: its bytes are a pointer into the memory of
/// the process that made it, meaningless in the others.
template <typename T>
concept TriviallyCopyable = std::is_trivially_copyable_v<T>;

/// The untyped core of SharedValue and SharedArray: `count` elements of `element_size` bytes each, in
/// one anonymous MAP_SHARED mapping, after a RobustMutex that guards them.
///
/// The mapping is made before any fork, and a forked child inherits it: parent and children then read
/// and write the same physical pages (a MAP_PRIVATE mapping would be copied on the first write, as all
/// other memory is). Unrelated processes can not find an anonymous mapping; use SharedMemory for them.
///
/// Layout: the RobustMutex at offset 0, then the elements from the first offset after it that is a
/// multiple of `element_alignment`. The new mapping is zero-filled.
///
/// The destructor unmaps the block in the calling process. The process that made the block also
/// destroys the mutex then; a forked child that runs its destructors only unmaps its view. Move-only;
/// a moved-from block has no mapping, and every call on it but destruction throws std::logic_error.
///
/// @threadsafety load(), store() and lock() may be used by any thread of any process that shares the
/// block; element() hands out memory that the caller must guard (with lock()) itself. Construction,
/// moves and destruction must not overlap other calls on the same object.
class SharedBlock {
 public:
  /// Maps room for the mutex and `count` elements (count may be 0), and initialises the mutex.
  /// Throws std::invalid_argument when `element_size` is 0 or `element_alignment` is not a power of two
  /// no larger than a page; std::length_error when the size overflows; std::system_error when mmap fails.
  SharedBlock(std::size_t element_size, std::size_t element_alignment, std::size_t count);
  ~SharedBlock();
  SharedBlock(SharedBlock&& other) noexcept;
  SharedBlock& operator=(SharedBlock&& other) noexcept;
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;

  /// The lock that guards the elements, inside the shared mapping.
  [[nodiscard]] RobustMutex& lock() const;
  /// How many elements the block holds.
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  /// The first byte of element `index`, without locking.
  /// Throws IndexError (naming the index and the count) unless index < count().
  [[nodiscard]] std::byte* element(std::size_t index) const;
  /// Copies element `index` into `out` (element_size bytes) while holding the lock.
  /// If a previous owner of the lock died, the lock is marked consistent: an element is whatever its
  /// last store left, and a store cut short by death can leave an element bigger than a machine word
  /// half old, half new. Throws IndexError as element(), and what RobustMutex::lock() throws.
  void load(std::size_t index, std::byte* out) const;
  /// Copies `element_size` bytes from `in` into element `index` while holding the lock. As load().
  void store(std::size_t index, const std::byte* in);

 private:
  void release() noexcept;

  std::byte* mapping_ = nullptr;   // null when moved from
  std::size_t mapping_size_ = 0;
  std::size_t data_offset_ = 0;    // where element 0 starts
  std::size_t element_size_ = 0;
  std::size_t count_ = 0;
  pid_t creator_ = 0;              // only this process destroys the mutex
};

/// Python's `multiprocessing.Value(typecode, value, lock=True)`: one T in shared memory, with a lock.
///
/// ```cpp
/// SharedValue<long> counter(0);                    // Value('l', 0)
/// // fork children; in each:
/// SharedLockGuard guard(counter.get_lock(), [] {}); // with counter.get_lock():
/// counter.get_obj() += 1;                           //     counter.value += 1
/// // in the parent, after reaping them:
/// long total = counter.get();                       // counter.value
/// ```
///
/// get() and set() take the lock themselves, like Python's `value` property. One get() or one set() is
/// atomic, a get() followed by a set() is not: `v.set(v.get() + 1)` loses updates exactly as Python's
/// `v.value += 1` does. Hold get_lock() around the whole read-modify-write and use get_obj() inside.
/// Python's default lock is an RLock; this one is not recursive, so do not call get() or set() while
/// holding get_lock() (std::logic_error).
///
/// Share it by creating it before fork(); children see the parent's writes and the other way round.
///
/// @threadsafety get(), set() and get_lock() are safe from any thread of any process sharing the value.
/// get_obj() is unguarded: hold get_lock() while using the reference. Moves and destruction must not
/// overlap other calls on the same object.
template <TriviallyCopyable T>
class SharedValue {
 public:
  /// Maps a new shared value holding `initial`. Throws std::system_error when mmap fails.
  explicit SharedValue(const T& initial = T{}) : block_(sizeof(T), alignof(T), 1) { set(initial); }

  /// The value (Python's `v.value`), read under the lock.
  [[nodiscard]] T get() const {
    std::array<std::byte, sizeof(T)> bytes{};
    block_.load(0, bytes.data());
    return std::bit_cast<T>(bytes);
  }
  /// Replaces the value (Python's `v.value = x`), under the lock.
  void set(const T& value) {
    const auto bytes = std::bit_cast<std::array<std::byte, sizeof(T)>>(value);
    block_.store(0, bytes.data());
  }
  /// The lock that get() and set() use (Python's `v.get_lock()`).
  [[nodiscard]] RobustMutex& get_lock() const { return block_.lock(); }
  /// The value itself, in shared memory, without the lock (Python's `v.get_obj()`).
  [[nodiscard]] T& get_obj() const { return *std::launder(reinterpret_cast<T*>(block_.element(0))); }

 private:
  SharedBlock block_;
};

/// Python's `multiprocessing.Array(typecode, size_or_initializer, lock=True)`: a fixed number of T in
/// shared memory, with one lock for all of them.
///
/// get(i) and set(i, x) check the index (IndexError, as Python does) and take the lock, like Python's
/// `arr[i]` and `arr[i] = x`. get_obj() is the raw array, unlocked and unchecked, like Python's
/// `arr.get_obj()`. The length never changes.
///
/// @threadsafety As SharedValue: get(), set(), to_vector() and get_lock() are safe from any thread of any
/// process sharing the array; get_obj() is unguarded.
template <TriviallyCopyable T>
class SharedArray {
 public:
  /// Maps `length` elements, each a copy of `fill` (Python's `Array('d', 5)` fills with zeros).
  explicit SharedArray(std::size_t length, const T& fill = T{}) : block_(sizeof(T), alignof(T), length) {
    for (T& element : get_obj()) element = fill;  // nobody else can see it yet: no lock needed
  }
  /// Maps a copy of `initial` (Python's `Array('i', [1, 2, 3])`).
  explicit SharedArray(std::span<const T> initial) : block_(sizeof(T), alignof(T), initial.size()) {
    std::span<T> elements = get_obj();
    for (std::size_t i = 0; i < initial.size(); ++i) elements[i] = initial[i];
  }

  /// Python's `len(arr)`.
  [[nodiscard]] std::size_t size() const noexcept { return block_.count(); }
  /// Element `index` (Python's `arr[i]`), under the lock. Throws IndexError unless index < size().
  [[nodiscard]] T get(std::size_t index) const {
    std::array<std::byte, sizeof(T)> bytes{};
    block_.load(index, bytes.data());
    return std::bit_cast<T>(bytes);
  }
  /// Replaces element `index` (Python's `arr[i] = x`), under the lock. Throws IndexError as get().
  void set(std::size_t index, const T& value) {
    const auto bytes = std::bit_cast<std::array<std::byte, sizeof(T)>>(value);
    block_.store(index, bytes.data());
  }
  /// A copy of every element, taken under the lock (Python's `arr[:]`).
  [[nodiscard]] std::vector<T> to_vector() const {
    SharedLockGuard guard(block_.lock(), [] {});
    const std::span<T> elements = get_obj();
    return std::vector<T>(elements.begin(), elements.end());
  }
  /// The lock for the whole array (Python's `arr.get_lock()`).
  [[nodiscard]] RobustMutex& get_lock() const { return block_.lock(); }
  /// The elements themselves, unlocked and unchecked (Python's `arr.get_obj()`).
  [[nodiscard]] std::span<T> get_obj() const {
    if (size() == 0) return {};
    return {std::launder(reinterpret_cast<T*>(block_.element(0))), size()};
  }

 private:
  SharedBlock block_;
};

}  // namespace threadlings::lesson09
