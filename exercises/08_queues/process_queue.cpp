// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: a pipe, frames, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "process_queue.hpp"

#include <array>
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
  pthread_mutex_t read_lock;   // held by a get() from a frame's header to its last byte
  pthread_mutex_t write_lock;  // held by a put() whose frame is over PIPE_BUF
  sem_t free_places;           // maxsize minus the messages put and not yet got
};

// TODO(student): maxsize_ = maxsize when > 0 (at most SEM_VALUE_MAX), else SEM_VALUE_MAX; creator_ =
// getpid(). make_pipe() for the two ends; mmap(MAP_SHARED | MAP_ANONYMOUS) for a Shared; both mutexes
// with PTHREAD_PROCESS_SHARED (pthread_mutexattr_setpshared); sem_init(&free_places, 1, maxsize_).
// On any failure undo what was done (munmap, destroy) and throw std::system_error.
ProcessQueue::ProcessQueue(long maxsize) {
  throw NotImplemented("ProcessQueue::ProcessQueue — see lesson 08");
}

// TODO(student): close(); in the creating process only, destroy the semaphore and the mutexes; munmap.
ProcessQueue::~ProcessQueue() {}

// TODO(student): ClosedError when closed; std::length_error over kMaxMessageSize; a negative timeout is
// std::invalid_argument. Take a free place with sem_wait, or sem_timedwait (a CLOCK_REALTIME time) until the
// deadline (retry EINTR; ETIMEDOUT, or EAGAIN-like "no time at all" when !block, is Full). Then write
// the frame (no SIGPIPE can come: this process's own read end is open, so the pipe has a reader): an 8-byte length, then the payload. A frame of at
// most PIPE_BUF bytes goes out in ONE write (atomic: no lock needed); a larger one under write_lock
// (pthread_mutex_timedlock for the deadline: Full when it runs out). If the write throws, give the
// place back (sem_post) and rethrow.
void ProcessQueue::put_bytes(std::span<const std::byte> message, bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::put_bytes — see lesson 08");
}

// TODO(student): ClosedError when closed; negative timeout: std::invalid_argument. Take read_lock
// (until the deadline: Empty when it runs out) and hold it until the whole frame is read. With a
// deadline, poll() the read end for POLLIN first (Empty when nothing comes in time; EINTR: poll again
// for the time left). read_full() the 8-byte length; check it against kMaxMessageSize BEFORE
// allocating (CorruptedQueueError); read_full() the payload (a short read is CorruptedQueueError).
// Unlock, then sem_post one free place.
std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::get_bytes — see lesson 08");
}

// TODO(student): maxsize_ minus the semaphore's value (sem_getvalue).
std::size_t ProcessQueue::qsize() const {
  throw NotImplemented("ProcessQueue::qsize — see lesson 08");
}

// TODO(student): ClosedError when closed; else whether poll() with timeout 0 finds nothing to read.
bool ProcessQueue::empty() const {
  throw NotImplemented("ProcessQueue::empty — see lesson 08");
}

// TODO(student): whether the semaphore's value is 0.
bool ProcessQueue::full() const {
  throw NotImplemented("ProcessQueue::full — see lesson 08");
}

// TODO(student): close both ends (reset the UniqueFds).
void ProcessQueue::close() noexcept {}

// TODO(student): whether the ends are closed.
bool ProcessQueue::closed() const noexcept { return false; }

}  // namespace threadlings::lesson08
