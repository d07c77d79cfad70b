// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: frames in a shared ring, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "process_queue.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson08 {

// What every process must see the same copy of. It goes in a MAP_SHARED mapping made before fork.
// Add members if your design needs them.
struct ProcessQueue::Shared {
  static constexpr std::size_t kRingSize = std::size_t{64} * 1024;  // what a Linux pipe holds

  // alignas(64): what the reader writes and what the writer writes sit on different cache lines.
  alignas(64) pthread_mutex_t read_lock;   // held by a get() from its frame's header to its last byte
  alignas(64) pthread_mutex_t write_lock;  // held by a put() while it copies its frame in
  alignas(64) sem_t free_places;           // maxsize minus the messages put and not yet got

  // The ring holds the stream's bytes [head, tail): counts since the start, a byte's place is its
  // count % kRingSize. Only the write_lock holder stores tail; only the read_lock holder stores head.
  alignas(64) std::atomic<std::uint64_t> tail;
  std::atomic<std::uint64_t> frames_written;  // whole frames put since the start
  alignas(64) std::atomic<std::uint64_t> head;
  std::atomic<std::uint64_t> frames_read;     // frames got since the start

  // For sleeping when there is nothing to do: a condition per side, under sleep_lock, and a count of
  // the sleepers so that the other side makes the system call only when someone sleeps.
  alignas(64) pthread_mutex_t sleep_lock;
  pthread_cond_t data_arrived;  // tail or frames_written moved
  pthread_cond_t space_freed;   // head moved
  std::atomic<std::uint32_t> readers_waiting;
  std::atomic<std::uint32_t> writers_waiting;

  alignas(64) std::byte ring[kRingSize];
};

// TODO: maxsize_ = maxsize when > 0 (at most SEM_VALUE_MAX), else SEM_VALUE_MAX; creator_ =
// getpid(). mmap(MAP_SHARED | MAP_ANONYMOUS) a Shared; the three mutexes with PTHREAD_PROCESS_SHARED
// (pthread_mutexattr_setpshared); the two conditions with PTHREAD_PROCESS_SHARED and CLOCK_MONOTONIC
// (pthread_condattr_setpshared, pthread_condattr_setclock); sem_init(&free_places, 1, maxsize_); the
// atomics at 0 (std::construct_at). On any failure undo what was done (destroy, munmap) and throw
// std::system_error.
ProcessQueue::ProcessQueue(long maxsize) {
  throw NotImplemented("ProcessQueue::ProcessQueue — see lesson 08");
}

// TODO: close(); in the creating process only, destroy the semaphore, the conditions and the
// mutexes; munmap.
ProcessQueue::~ProcessQueue() {}

// TODO: ClosedError when closed; std::length_error over kMaxMessageSize; a negative timeout is
// std::invalid_argument. Take a free place with sem_wait, or sem_timedwait (a CLOCK_REALTIME time) until
// the deadline (retry EINTR; ETIMEDOUT, or "no time at all" when !block, is Full). Take write_lock
// until the deadline (pthread_mutex_timedlock; Full, after giving the place back, when it runs out)
// and hold it to the end. Copy the frame (8-byte length, then the payload) in at tail, wrapping at
// the ring's end. When the ring is full (tail - head == kRingSize), store tail and wake the readers,
// then wait (no timeout) until a reader moves head. At the end store tail (release), add one to
// frames_written (release) and wake the readers.
// Waiting and waking (write them once, for both sides): wait = look at the condition some thousand
// times (a CPU pause between looks), then under sleep_lock count yourself in *_waiting, and
// pthread_cond_wait/timedwait while the condition is false. Wake = only if *_waiting is not 0: under
// sleep_lock, pthread_cond_broadcast. The counter, the condition's loads, the store before a wake and
// the wake's load of *_waiting are all memory_order_seq_cst: that is what rules out a lost wake-up.
void ProcessQueue::put_bytes(std::span<const std::byte> message, bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::put_bytes — see lesson 08");
}

// TODO: ClosedError when closed; negative timeout: std::invalid_argument. Take read_lock (until the
// deadline: Empty when it runs out) and hold it until the whole frame has left the ring. Wait, until
// the deadline, for frames_written != frames_read (a whole frame is there) or a full ring (the frame
// at the front is larger than the ring); Empty when the time runs out, having taken nothing out.
// Read the 8-byte length at head (over kMaxMessageSize: CorruptedQueueError, before allocating).
// Copy the payload out (wrapping), storing head (release) and waking the writers after each piece;
// when the ring runs dry inside a frame larger than the ring, wait (no timeout) for more. Then
// frames_read + 1, unlock, sem_post.
std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  throw NotImplemented("ProcessQueue::get_bytes — see lesson 08");
}

// TODO: maxsize_ minus the semaphore's value (sem_getvalue).
std::size_t ProcessQueue::qsize() const {
  throw NotImplemented("ProcessQueue::qsize — see lesson 08");
}

// TODO: ClosedError when closed; whether frames_written == frames_read.
bool ProcessQueue::empty() const {
  throw NotImplemented("ProcessQueue::empty — see lesson 08");
}

// TODO: whether the semaphore's value is 0.
bool ProcessQueue::full() const {
  throw NotImplemented("ProcessQueue::full — see lesson 08");
}

// TODO: closed_ = true.
void ProcessQueue::close() noexcept {}

// TODO: return closed_.
bool ProcessQueue::closed() const noexcept { return false; }

}  // namespace threadlings::lesson08
