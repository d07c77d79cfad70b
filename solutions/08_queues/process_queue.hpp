// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: frames in a shared ring, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sys/types.h>

#include "queue.hpp"  // Full, Empty, Timeout: multiprocessing.Queue raises queue.Full and queue.Empty too

namespace threadlings::lesson08 {

/// Python's `ValueError("Queue ... is closed")`: put or get on a ProcessQueue after close() in this
/// process.
class ClosedError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// The stream in the ring is not made of whole frames any more: a frame announced more than
/// ProcessQueue::kMaxMessageSize bytes. It happens when something wrote into the shared mapping
/// without the queue's locks, or a process died half-way through a put or get.
class CorruptedQueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// get_value<T>() found a message whose size is not sizeof(T): the producer put another type.
class MessageSizeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `multiprocessing.Queue` for processes made with fork(): create it first, then fork;
/// every child inherits it, and any process may put and get.
///
/// ```cpp
/// ProcessQueue results(100);                 // multiprocessing.Queue(maxsize=100)
/// if (::fork() == 0) { results.put_value(6 * 7); ::_exit(0); }
/// int answer = results.get_value<int>();     // 42, copied out of the child
/// ```
///
/// What crosses the boundary is **bytes**, copied through shared memory: put_value() sends the bytes
/// of a trivially copyable value (an int, a struct of numbers), put_string() the characters of a
/// text, put_bytes() any bytes. Never a pointer, never a std::string object: an address means nothing
/// in another process. (Python pickles the object instead; the bytes are the same idea.)
///
/// How it works (see the lesson): every message is one frame, an 8-byte length in the machine's byte
/// order and the payload, in a 64 KiB ring in an anonymous shared mapping made by the constructor,
/// before any fork. Like a pipe, the ring is a stream of bytes: put() copies its frame in behind the
/// others under a process-shared writer lock (one frame's bytes stay together), get() copies the
/// frame at the front out under a process-shared reader lock. Unlike a pipe, neither needs a system
/// call while the other side is awake: a waiting side spins a few microseconds, then sleeps on a
/// process-shared condition that the other side signals only when someone sleeps there. A
/// process-shared counting semaphore counts the free places: put() takes one (waiting while the queue
/// is full), get() gives one back.
///
/// Differences from Python: no feeder thread, so put() copies into the ring itself and, when the ring
/// is full (64 KiB not yet got), waits for a reader even in an unbounded queue (as a write into a full
/// pipe does); its timeout covers the wait for a free place and for the writer lock, not for room.
/// No join_thread()/cancel_join_thread(): a put has finished when it returns.
///
/// @threadsafety Safe from any number of processes and threads at once (the locks are process-shared
/// and work between threads too). close() and the destructor must not overlap other calls in this
/// process. The creating process's ProcessQueue must be destroyed last (after joining the children
/// that use it): its destructor destroys the locks and the semaphore. A process killed half-way
/// through a put or get can leave the queue corrupted or a lock held (as Python documents for its
/// Queue); lesson 09's robust locks are the remedy for the second.
class ProcessQueue {
 public:
  /// The largest message: a longer put throws std::length_error, a longer frame read means corruption.
  static constexpr std::size_t kMaxMessageSize = std::size_t{1} << 30;
  /// The bytes in front of each payload.
  static constexpr std::size_t kHeaderSize = sizeof(std::uint64_t);

  /// `multiprocessing.Queue(maxsize)`: at most `maxsize` messages put and not yet got; 0 or less means
  /// as many as the semaphore counts (SEM_VALUE_MAX). Throws std::system_error when the
  /// mapping or the semaphore cannot be made (nothing is left behind then).
  explicit ProcessQueue(long maxsize = 0);
  /// Closes this process's descriptors and unmaps the shared part; in the creating process also
  /// destroys the locks and the semaphore.
  ~ProcessQueue();
  ProcessQueue(const ProcessQueue&) = delete;
  ProcessQueue& operator=(const ProcessQueue&) = delete;

  /// `put(obj, block=True, timeout=None)` for bytes: sends `message` as one frame.
  /// Blocks: for a free place (bounded queue) and for the writer lock, both at most `timeout` (none
  /// when !block); then while the ring is full, until a reader makes room.
  /// Throws Full (no free place or writer lock in time), ClosedError, std::length_error (over
  /// kMaxMessageSize), std::invalid_argument (negative timeout), std::system_error.
  void put_bytes(std::span<const std::byte> message, bool block = true, Timeout timeout = std::nullopt);
  /// put_bytes() of the characters of `text`.
  void put_string(std::string_view text, bool block = true, Timeout timeout = std::nullopt) {
    put_bytes(std::as_bytes(std::span(text.data(), text.size())), block, timeout);
  }
  /// put_bytes() of the bytes of `value` (an int, a struct of plain data: no pointers inside).
  template <typename T>
    requires std::is_trivially_copyable_v<T> && (!std::is_pointer_v<T>)
  void put_value(const T& value, bool block = true, Timeout timeout = std::nullopt) {
    put_bytes(std::as_bytes(std::span(&value, 1)), block, timeout);
  }

  /// `get(block=True, timeout=None)`: removes and returns the next message, whole.
  /// Blocks: for the reader lock and for a whole frame, both together at most `timeout` (none when
  /// !block). Nothing is taken out of the ring before the whole frame is there, so a get that gives up
  /// leaves a frame's start in place for the next one. A frame larger than the ring is the exception:
  /// it is taken as it comes (its writer needs the room), so once the ring is full of its start, get()
  /// waits until all of it has arrived.
  /// Throws Empty (nothing in time), ClosedError, CorruptedQueueError, std::invalid_argument
  /// (negative timeout), std::system_error.
  [[nodiscard]] std::vector<std::byte> get_bytes(bool block = true, Timeout timeout = std::nullopt);
  /// get_bytes() as text.
  [[nodiscard]] std::string get_string(bool block = true, Timeout timeout = std::nullopt) {
    const std::vector<std::byte> bytes = get_bytes(block, timeout);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  /// get_bytes() as a T put with put_value<T>(). Throws MessageSizeError when the size differs.
  template <typename T>
    requires std::is_trivially_copyable_v<T> && (!std::is_pointer_v<T>)
  [[nodiscard]] T get_value(bool block = true, Timeout timeout = std::nullopt) {
    const std::vector<std::byte> bytes = get_bytes(block, timeout);
    if (bytes.size() != sizeof(T)) {
      throw MessageSizeError("ProcessQueue::get_value: a message of " + std::to_string(bytes.size()) +
                             " bytes is not a value of " + std::to_string(sizeof(T)) + " bytes");
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }

  /// `qsize()`: messages put and not yet got, counted by the semaphore, in all processes (a message
  /// being written or read counts). Approximate, as in Python: others may change it at once.
  [[nodiscard]] std::size_t qsize() const;
  /// `empty()`: no whole frame waits in the ring right now (a frame still being put does not count).
  /// Approximate, as in Python: another process may put or get at once.
  [[nodiscard]] bool empty() const;
  /// `full()`: no free place right now (the semaphore is at zero).
  [[nodiscard]] bool full() const;
  /// The bound; SEM_VALUE_MAX when constructed without one.
  [[nodiscard]] long maxsize() const noexcept { return maxsize_; }

  /// `close()`: this process will put and get no more (other processes go on using the queue).
  /// Harmless when already closed.
  void close() noexcept;
  /// Whether close() was called in this process.
  [[nodiscard]] bool closed() const noexcept;

 private:
  struct Shared;  // the locks, the conditions, the semaphore and the ring, in the shared mapping (process_queue.cpp)

  Shared* shared_ = nullptr;
  bool closed_ = false;  // this process's close() was called
  long maxsize_ = 0;
  pid_t creator_ = 0;
};

}  // namespace threadlings::lesson08
