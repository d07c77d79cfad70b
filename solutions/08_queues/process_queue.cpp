// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: a pipe, frames, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "process_queue.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>
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

namespace threadlings::lesson08 {

// Lives in a MAP_SHARED mapping made before fork: every process sees the same bytes, so the same
// mutexes, the same semaphore and the same read-ahead buffer. That is what PTHREAD_PROCESS_SHARED and
// pshared=1 promise to work on.
struct ProcessQueue::Shared {
  // The read-ahead buffer's size: one read() takes up to a whole pipe's worth (a pipe holds 64 KiB).
  static constexpr std::size_t kBufferSize = std::size_t{64} * 1024;

  pthread_mutex_t read_lock;   // held by a get() from its first look at the buffer to its last byte
  pthread_mutex_t write_lock;  // held by a put() of a frame over PIPE_BUF, which the kernel may split
  sem_t free_places;           // maxsize minus the messages put and not yet got
  // Set when buffer[begin, end) starts with a whole frame; written under read_lock, read by empty()
  // without it (an atomic, so that this read is no data race; lock-free atomics work across processes).
  std::atomic<bool> frame_ready;
  // Bytes read from the pipe and not yet got: whole frames, and at the end perhaps the start of one.
  // Guarded by read_lock. In the shared mapping, not in this process's memory: a frame read ahead by one
  // process must be there for the next get() of every other process.
  std::size_t begin;
  std::size_t end;
  std::byte buffer[kBufferSize];
};
static_assert(std::atomic<bool>::is_always_lock_free, "a lock-free atomic needs no lock that lives in one process");

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

// The absolute CLOCK_MONOTONIC deadline of a wait, or nothing for "for ever" (block and no timeout).
// Not blocking is a deadline that has passed already.
std::optional<timespec> deadline_of(bool block, Timeout timeout) {
  if (block && !timeout) return std::nullopt;
  std::chrono::nanoseconds wait = std::chrono::nanoseconds::zero();
  if (block) {
    if (*timeout < std::chrono::nanoseconds::zero()) {
      throw std::invalid_argument("ProcessQueue: 'timeout' must be a non-negative number");
    }
    wait = *timeout;
  }
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const long long total = static_cast<long long>(now.tv_nsec) + wait.count() % 1'000'000'000;
  timespec deadline{};
  deadline.tv_sec = now.tv_sec + static_cast<time_t>(wait.count() / 1'000'000'000 + total / 1'000'000'000);
  deadline.tv_nsec = static_cast<long>(total % 1'000'000'000);
  return deadline;
}

// Milliseconds from now until `deadline` (0 once passed, -1 for "for ever"), for poll().
int poll_timeout_ms(const std::optional<timespec>& deadline) {
  if (!deadline) return -1;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const long long left_ns = (static_cast<long long>(deadline->tv_sec) - now.tv_sec) * 1'000'000'000LL +
                            (deadline->tv_nsec - now.tv_nsec);
  if (left_ns <= 0) return 0;
  return static_cast<int>(std::min<long long>((left_ns + 999'999) / 1'000'000, INT_MAX));
}

// The CLOCK_REALTIME time at which CLOCK_MONOTONIC reaches `deadline`, for sem_timedwait and
// pthread_mutex_timedlock. (sem_clockwait and pthread_mutex_clocklock take the monotonic deadline
// directly, but ThreadSanitizer does not know them and then reports every unlock as wrong.)
timespec realtime_of(const timespec& deadline) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  long long left_ns = (static_cast<long long>(deadline.tv_sec) - now.tv_sec) * 1'000'000'000LL +
                      (deadline.tv_nsec - now.tv_nsec);
  if (left_ns < 0) left_ns = 0;
  timespec real{};
  ::clock_gettime(CLOCK_REALTIME, &real);
  const long long nsec = real.tv_nsec + left_ns % 1'000'000'000LL;
  real.tv_sec += static_cast<time_t>(left_ns / 1'000'000'000LL + nsec / 1'000'000'000LL);
  real.tv_nsec = static_cast<long>(nsec % 1'000'000'000LL);
  return real;
}

// Takes a process-shared mutex, waiting until `deadline` at most. False when the time ran out.
bool lock_until(pthread_mutex_t* mutex, const std::optional<timespec>& deadline) {
  if (!deadline) {
    const int error = ::pthread_mutex_lock(mutex);
    if (error != 0) throw_errno(error, "pthread_mutex_lock");
    return true;
  }
  const timespec until = realtime_of(*deadline);
  const int error = ::pthread_mutex_timedlock(mutex, &until);
  if (error == ETIMEDOUT) return false;
  if (error != 0) throw_errno(error, "pthread_mutex_lock");
  return true;
}

// Unlocks on every way out of a scope (a throw from a read, too).
class Unlock {
 public:
  explicit Unlock(pthread_mutex_t* mutex) : mutex_(mutex) {}
  ~Unlock() { ::pthread_mutex_unlock(mutex_); }
  Unlock(const Unlock&) = delete;
  Unlock& operator=(const Unlock&) = delete;

 private:
  pthread_mutex_t* mutex_;
};

// Takes one free place, waiting until `deadline` at most (sem_timedwait). False when the time ran out.
// A signal interrupts the wait with EINTR: wait again, for the time that is left (same deadline).
bool take_place(sem_t* places, const std::optional<timespec>& deadline) {
  while (true) {
    int result = 0;
    if (deadline) {
      const timespec until = realtime_of(*deadline);  // recomputed after EINTR: the same deadline
      result = ::sem_timedwait(places, &until);
    } else {
      result = ::sem_wait(places);
    }
    if (result == 0) return true;
    if (errno == ETIMEDOUT) return false;
    if (errno != EINTR) throw_errno(errno, "sem_wait");
  }
}

}  // namespace

ProcessQueue::ProcessQueue(long maxsize)
    : maxsize_(maxsize > 0 ? std::min<long>(maxsize, SEM_VALUE_MAX) : SEM_VALUE_MAX), creator_(::getpid()) {
  Pipe pipe = make_pipe();  // close-on-exec: a program started with exec() does not inherit the queue
  void* memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno(errno, "mmap");
  shared_ = static_cast<Shared*>(memory);
  pthread_mutexattr_t attributes;
  ::pthread_mutexattr_init(&attributes);
  ::pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);  // usable from every process
  int error = ::pthread_mutex_init(&shared_->read_lock, &attributes);
  if (error == 0) {
    error = ::pthread_mutex_init(&shared_->write_lock, &attributes);
    if (error != 0) ::pthread_mutex_destroy(&shared_->read_lock);
  }
  ::pthread_mutexattr_destroy(&attributes);
  if (error == 0 && ::sem_init(&shared_->free_places, /*pshared=*/1, static_cast<unsigned>(maxsize_)) != 0) {
    error = errno;
    ::pthread_mutex_destroy(&shared_->write_lock);
    ::pthread_mutex_destroy(&shared_->read_lock);
  }
  if (error != 0) {
    ::munmap(memory, sizeof(Shared));  // nothing left behind; the pipe's ends close themselves
    throw_errno(error, "ProcessQueue: initializing the shared locks");
  }
  // The mapping starts zero-filled: begin == end == 0, an empty buffer. Still, say so.
  shared_->begin = 0;
  shared_->end = 0;
  std::construct_at(&shared_->frame_ready, false);
  reader_ = std::move(pipe.read_end);
  writer_ = std::move(pipe.write_end);
}


ProcessQueue::~ProcessQueue() {
  close();
  // Only the creator destroys: a child's copy is one of many views of the same objects.
  if (::getpid() == creator_) {
    ::sem_destroy(&shared_->free_places);
    ::pthread_mutex_destroy(&shared_->write_lock);
    ::pthread_mutex_destroy(&shared_->read_lock);
  }
  ::munmap(shared_, sizeof(Shared));
}

void ProcessQueue::put_bytes(std::span<const std::byte> message, bool block, Timeout timeout) {
  if (closed()) throw ClosedError("ProcessQueue::put: the queue is closed in this process");
  if (message.size() > kMaxMessageSize) {
    throw std::length_error("ProcessQueue::put: a message of " + std::to_string(message.size()) +
                            " bytes is over kMaxMessageSize");
  }
  const auto deadline = deadline_of(block, timeout);
  if (!take_place(&shared_->free_places, deadline)) throw Full("ProcessQueue::put: the queue is full");
  try {
    // No SIGPIPE can come: this process holds a read end itself (closed() was false above), so the pipe
    // always has a reader. Blocking the signal around every put (SigpipeBlocked) would cost two system
    // calls per message for nothing; a queue with separate ends would need it.
    const std::uint64_t size = message.size();
    if (kHeaderSize + message.size() <= PIPE_BUF) {
      // Atomic by POSIX: one write of <= PIPE_BUF bytes is never split nor mixed with another writer's.
      std::array<std::byte, PIPE_BUF> frame;
      std::memcpy(frame.data(), &size, kHeaderSize);
      if (!message.empty()) std::memcpy(frame.data() + kHeaderSize, message.data(), message.size());
      write_all(writer_.get(), std::span(frame.data(), kHeaderSize + message.size()));
    } else {
      // Larger writes may be split when the pipe fills, and another writer's bytes would land between.
      if (!lock_until(&shared_->write_lock, deadline)) throw Full("ProcessQueue::put: the writer lock was busy");
      const Unlock unlock(&shared_->write_lock);
      write_all(writer_.get(), std::as_bytes(std::span(&size, 1)));
      write_all(writer_.get(), message);
    }
  } catch (...) {
    ::sem_post(&shared_->free_places);  // nothing (or a cut frame) was queued: give the place back
    throw;
  }
}

namespace {

// The length in the header at the front of buffer[begin, end), or nothing when not all 8 bytes are there.
std::optional<std::uint64_t> front_frame_size(const std::byte* buffer, std::size_t begin, std::size_t end) {
  if (end - begin < ProcessQueue::kHeaderSize) return std::nullopt;
  std::uint64_t size = 0;
  std::memcpy(&size, buffer + begin, ProcessQueue::kHeaderSize);
  return size;
}

// Whether buffer[begin, end) starts with a whole frame.
bool whole_frame_at_front(const std::byte* buffer, std::size_t begin, std::size_t end) {
  const auto size = front_frame_size(buffer, begin, end);
  return size && *size <= end - begin - ProcessQueue::kHeaderSize;
}

}  // namespace

std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  if (closed()) throw ClosedError("ProcessQueue::get: the queue is closed in this process");
  const auto deadline = deadline_of(block, timeout);
  if (!lock_until(&shared_->read_lock, deadline)) throw Empty("ProcessQueue::get: the reader lock was busy");
  std::vector<std::byte> message;
  {
    const Unlock unlock(&shared_->read_lock);  // held until a whole frame has left the buffer (or the pipe)
    Shared& s = *shared_;
    while (true) {
      const auto size = front_frame_size(s.buffer, s.begin, s.end);
      // The length is checked before allocating: a misread header (garbage) must not allocate terabytes.
      if (size && *size > kMaxMessageSize) {
        throw CorruptedQueueError("ProcessQueue::get: a frame announces " + std::to_string(*size) +
                                  " bytes: the stream is no longer made of whole frames");
      }
      if (size && *size <= s.end - s.begin - kHeaderSize) {
        // A whole frame is buffered: no system call at all.
        const std::byte* payload = s.buffer + s.begin + kHeaderSize;
        message.assign(payload, payload + *size);
        s.begin += kHeaderSize + *size;
        if (s.begin == s.end) s.begin = s.end = 0;
        break;
      }
      if (size && kHeaderSize + *size > Shared::kBufferSize) {
        // A frame larger than the buffer: take what is buffered, read the rest straight into the message.
        // Once begun, it is read to its end (its first bytes have left the buffer; they cannot go back).
        message.resize(*size);
        const std::size_t have = s.end - s.begin - kHeaderSize;
        std::memcpy(message.data(), s.buffer + s.begin + kHeaderSize, have);
        s.begin = s.end = 0;
        s.frame_ready.store(false);
        if (read_full(reader_.get(), std::span(message).subspan(have)) != *size - have) {
          throw CorruptedQueueError("ProcessQueue::get: the pipe ended inside a frame");
        }
        break;
      }
      // No whole frame buffered: move the start of one (if any) to the front, then read ahead as much as
      // the pipe has and the buffer takes. Only here does a timeout apply: wait for bytes until the deadline.
      if (s.begin != 0) {
        std::memmove(s.buffer, s.buffer + s.begin, s.end - s.begin);
        s.end -= s.begin;
        s.begin = 0;
      }
      if (deadline) {
        pollfd ready{reader_.get(), POLLIN, 0};
        while (true) {
          const int result = ::poll(&ready, 1, poll_timeout_ms(deadline));
          if (result > 0) break;
          // Nothing came in time; a frame's start stays buffered for the next get(), of any process.
          if (result == 0) throw Empty("ProcessQueue::get: the queue is empty");
          if (errno != EINTR) throw_errno(errno, "poll");  // EINTR: poll again for the time left
        }
      }
      ssize_t got = 0;
      while ((got = ::read(reader_.get(), s.buffer + s.end, Shared::kBufferSize - s.end)) < 0) {
        if (errno != EINTR) throw_errno(errno, "read");
      }
      if (got == 0) throw CorruptedQueueError("ProcessQueue::get: the pipe ended inside a frame");
      s.end += static_cast<std::size_t>(got);
    }
    s.frame_ready.store(whole_frame_at_front(s.buffer, s.begin, s.end));
  }
  ::sem_post(&shared_->free_places);  // the message has left the queue: one more free place
  return message;
}

std::size_t ProcessQueue::qsize() const {
  int free_places = 0;
  ::sem_getvalue(&shared_->free_places, &free_places);
  return static_cast<std::size_t>(maxsize_ - free_places);
}

bool ProcessQueue::empty() const {
  if (closed()) throw ClosedError("ProcessQueue::empty: the queue is closed in this process");
  if (shared_->frame_ready.load()) return false;  // a whole frame waits in the read-ahead buffer
  pollfd ready{reader_.get(), POLLIN, 0};
  while (::poll(&ready, 1, 0) < 0) {
    if (errno != EINTR) throw_errno(errno, "poll");
  }
  return (ready.revents & POLLIN) == 0;
}

bool ProcessQueue::full() const {
  int free_places = 0;
  ::sem_getvalue(&shared_->free_places, &free_places);
  return free_places <= 0;
}

void ProcessQueue::close() noexcept {
  reader_.reset();
  writer_.reset();
}

bool ProcessQueue::closed() const noexcept { return !reader_; }

}  // namespace threadlings::lesson08
