// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: a pipe, frames, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "process_queue.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>

#include "threadlings/io.hpp"
#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson08 {

// What every process must see the same copy of. It goes in a MAP_SHARED mapping made before fork.
// Add members if your design needs them.
struct ProcessQueue::Shared {
  static constexpr std::size_t kBufferSize = std::size_t{64} * 1024;  // one read() takes up to this much

  pthread_mutex_t read_lock;   // held by a get() from its first look at the buffer to its frame's last byte
  pthread_mutex_t write_lock;  // held by a put() whose frame is over PIPE_BUF
  sem_t free_places;           // maxsize minus the messages put and not yet got
  std::atomic<bool> frame_ready;  // buffer[begin, end) starts with a whole frame (for empty(), lock-free)
  std::size_t begin;              // the read-ahead buffer: bytes read from the pipe and not yet got,
  std::size_t end;                // in buffer[begin, end); guarded by read_lock
  std::byte buffer[kBufferSize];
};

// TODO: maxsize_ = maxsize when > 0 (at most SEM_VALUE_MAX), else SEM_VALUE_MAX; creator_ =
// getpid(). make_pipe() for the two ends; mmap(MAP_SHARED | MAP_ANONYMOUS) for a Shared; both mutexes
// with PTHREAD_PROCESS_SHARED (pthread_mutexattr_setpshared); sem_init(&free_places, 1, maxsize_); an
// empty buffer (begin = end = 0, frame_ready false: std::construct_at(&frame_ready, false)).
// On any failure undo what was done (munmap, destroy) and throw std::system_error.
ProcessQueue::ProcessQueue(long maxsize) {
  throw NotImplemented("ProcessQueue::ProcessQueue — see lesson 08");
}

// TODO: close(); in the creating process only, destroy the semaphore and the mutexes; munmap.
ProcessQueue::~ProcessQueue() {}

// TODO: ClosedError when closed; std::length_error over kMaxMessageSize; a negative timeout is
// std::invalid_argument. Take a free place with sem_wait, or sem_timedwait (a CLOCK_REALTIME time) until the
// deadline (retry EINTR; ETIMEDOUT, or EAGAIN-like "no time at all" when !block, is Full). Then write
// the frame (no SIGPIPE can come: this process's own read end is open, so the pipe has a reader): an 8-byte length, then the payload. A frame of at
// most PIPE_BUF bytes goes out in ONE write (atomic: no lock needed); a larger one under write_lock
// (pthread_mutex_timedlock for the deadline: Full when it runs out). If the write throws, give the
// place back (sem_post) and rethrow.
void ProcessQueue::put_bytes(std::span<const std::byte> message, bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::put_bytes — see lesson 08");
}

// TODO: ClosedError when closed; negative timeout: std::invalid_argument. Take read_lock
// (until the deadline: Empty when it runs out) and hold it until a whole frame has left the buffer.
// Then loop, looking at buffer[begin, end):
//  - a whole frame at the front (8-byte length, then that many bytes): copy its payload out, move
//    begin past it (both back to 0 when the buffer is empty), done: no system call;
//  - a length over kMaxMessageSize: CorruptedQueueError (before allocating anything);
//  - a frame larger than the buffer (8 + length > kBufferSize): copy what is buffered into the
//    message, empty the buffer, read_full() the rest straight from the pipe, done;
//  - otherwise (no whole frame): memmove the start of a frame (if any) to buffer[0], and read ahead:
//    with a deadline, poll() for POLLIN first (Empty when nothing comes in time: the start stays
//    buffered; EINTR: poll again for the time left); ONE read() of up to kBufferSize - end bytes
//    (retry EINTR; 0 bytes: CorruptedQueueError), end += what came.
// Before unlocking, store frame_ready (is there a whole frame at the front now?). Then sem_post.
std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::get_bytes — see lesson 08");
}

// TODO: maxsize_ minus the semaphore's value (sem_getvalue).
std::size_t ProcessQueue::qsize() const {
  throw NotImplemented("ProcessQueue::qsize — see lesson 08");
}

// TODO: ClosedError when closed; false when frame_ready says a whole frame is buffered; else
// whether poll() with timeout 0 finds nothing to read in the pipe.
bool ProcessQueue::empty() const {
  throw NotImplemented("ProcessQueue::empty — see lesson 08");
}

// TODO: whether the semaphore's value is 0.
bool ProcessQueue::full() const {
  throw NotImplemented("ProcessQueue::full — see lesson 08");
}

// TODO: close both ends (reset the UniqueFds).
void ProcessQueue::close() noexcept {}

// TODO: whether the ends are closed.
bool ProcessQueue::closed() const noexcept { return false; }

}  // namespace threadlings::lesson08
