// Lesson 09, shared memory: make SharedMemory and OwnedSharedMemory pass the tests in tests/09_shared_memory/.
// Concept: multiprocessing.shared_memory.SharedMemory: a named block any process can attach to.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#pragma once

// TODO: nothing to write in this header: read the contracts, then fill in shared_memory.cpp
// (an edit here rebuilds the tests; an edit of shared_memory.cpp only relinks them).

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace threadlings::lesson09 {

/// Base of the errors about a segment's name in the system (Python raises subclasses of OSError).
class SharedMemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's FileExistsError: create() with a name that a segment already has (shm_open gave EEXIST).
/// The existing segment is untouched.
class FileExistsError : public SharedMemoryError {
 public:
  using SharedMemoryError::SharedMemoryError;
};

/// Python's FileNotFoundError: attach() or unlink() with a name no segment has (ENOENT).
class FileNotFoundError : public SharedMemoryError {
 public:
  using SharedMemoryError::SharedMemoryError;
};

/// A segment name that is not a portable POSIX shared-memory name. The message says what is wrong.
class InvalidNameError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The longest name, not counting the leading '/' (Linux's NAME_MAX: the segment is a file in /dev/shm).
inline constexpr std::size_t kMaxNameLength = 255;

/// Checks that `name` is a portable POSIX shared-memory name: one leading '/', then 1 to kMaxNameLength
/// characters, none of them '/' or '\0', and not "." or "..".
/// Throws InvalidNameError naming the name and the problem.
void check_segment_name(std::string_view name);

/// Python's `multiprocessing.shared_memory.SharedMemory`: a block of memory with a name, which any
/// process that knows the name can map (not only forked children, as with SharedValue).
///
/// ```cpp
/// auto segment = SharedMemory::create("/threadlings-demo", 4096);  // SharedMemory(name, create=True, size=4096)
/// segment.buf()[0] = std::byte{42};
/// // in another process:
/// auto view = SharedMemory::attach("/threadlings-demo");           // SharedMemory(name)
/// view.size();                                                     // 4096, read with fstat
/// ```
///
/// Lifetime, as in Python: close() (and the destructor) only unmap this process's view. The segment
/// stays in the system, with its contents, until someone calls unlink() and every view is closed.
/// Exactly one process should call unlink(); forgetting it leaves a file in /dev/shm until reboot. For
/// a segment whose lifetime is one scope, use OwnedSharedMemory, which unlinks in its destructor.
///
/// Differences from Python: names must carry their leading '/' (Python adds it); create() has no
/// "make up a name" form; there is no resource tracker (Python's may unlink a segment when the process
/// that attached it exits, before Python 3.13's track=False).
///
/// Move-only. A moved-from SharedMemory is closed and has no name.
///
/// @threadsafety Like a Python object without a lock: distinct SharedMemory objects may be used from
/// distinct threads; one object's close(), unlink(), moves and destruction must not overlap any other
/// call on it. The bytes behind buf() are shared by every process that attached: guard them yourself
/// (for example with a RobustMutex placed inside the segment).
class SharedMemory {
 public:
  /// `SharedMemory(name, create=True, size=size)`: creates a new segment of `size` zero bytes, readable
  /// and writable by this user only (mode 0600), and maps it.
  /// Throws InvalidNameError for a bad name; std::invalid_argument when size is 0; FileExistsError when
  /// the name is taken; std::system_error for other failures (nothing is left behind then: a segment
  /// that was created but could not be sized or mapped is unlinked again).
  [[nodiscard]] static SharedMemory create(const std::string& name, std::size_t size);

  /// `SharedMemory(name)`: maps an existing segment, whose size is read from the system (fstat).
  /// Throws InvalidNameError for a bad name; FileNotFoundError when no segment has that name;
  /// SharedMemoryError when the segment is empty (its creator has not sized it); std::system_error for
  /// other failures.
  [[nodiscard]] static SharedMemory attach(const std::string& name);

  /// close(): unmaps. Does not unlink.
  ~SharedMemory();
  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;

  /// The name, with its leading '/'.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The size in bytes (still known after close()).
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The mapped bytes (Python's `buf`). Throws std::logic_error after close().
  [[nodiscard]] std::span<std::byte> buf() const;
  /// Whether close() was called (or the object was moved from).
  [[nodiscard]] bool closed() const noexcept { return data_ == nullptr; }

  /// Unmaps this process's view; the segment lives on. Harmless when already closed.
  void close() noexcept;

  /// Removes the name from the system (shm_unlink). Views that are still mapped, here and elsewhere,
  /// keep working; the memory is freed when the last one is closed. After it, attach() with this name
  /// throws FileNotFoundError, and create() may use the name again.
  /// Throws FileNotFoundError when the name is already gone; std::system_error for other failures.
  void unlink();

 private:
  SharedMemory(std::string name, std::byte* data, std::size_t size) noexcept;

  std::string name_;
  std::byte* data_ = nullptr;  // null when closed
  std::size_t size_ = 0;
};

/// A SharedMemory that this scope creates and also removes: the destructor closes and unlinks it (a
/// name already unlinked is fine). Use it where Python code would write
/// `try: ... finally: shm.close(); shm.unlink()`.
///
/// @threadsafety As SharedMemory.
class OwnedSharedMemory {
 public:
  /// SharedMemory::create(name, size); throws what it throws.
  OwnedSharedMemory(const std::string& name, std::size_t size);
  /// Closes and unlinks; never throws.
  ~OwnedSharedMemory();
  OwnedSharedMemory(const OwnedSharedMemory&) = delete;
  OwnedSharedMemory& operator=(const OwnedSharedMemory&) = delete;

  [[nodiscard]] SharedMemory& get() noexcept { return segment_; }
  [[nodiscard]] SharedMemory* operator->() noexcept { return &segment_; }

 private:
  SharedMemory segment_;
};

}  // namespace threadlings::lesson09
