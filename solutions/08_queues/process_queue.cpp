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

namespace threadlings::lesson08 {

// Lives in a MAP_SHARED mapping made before fork: every process sees the same bytes, so the same
// mutexes and the same semaphore. That is what PTHREAD_PROCESS_SHARED and pshared=1 promise to work on.
struct ProcessQueue::Shared {
  pthread_mutex_t read_lock;   // held by a get() for a whole frame: two reads must not interleave
  pthread_mutex_t write_lock;  // held by a put() of a frame over PIPE_BUF, which the kernel may split
  sem_t free_places;           // maxsize minus the messages put and not yet got
};

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

std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  if (closed()) throw ClosedError("ProcessQueue::get: the queue is closed in this process");
  const auto deadline = deadline_of(block, timeout);
  if (!lock_until(&shared_->read_lock, deadline)) throw Empty("ProcessQueue::get: the reader lock was busy");
  std::vector<std::byte> message;
  {
    const Unlock unlock(&shared_->read_lock);  // held across header and payload: a frame is read whole
    if (deadline) {
      // Wait for the first byte within the time left; once a frame has begun, it is read to its end.
      pollfd ready{reader_.get(), POLLIN, 0};
      while (true) {
        const int result = ::poll(&ready, 1, poll_timeout_ms(deadline));
        if (result > 0) break;
        if (result == 0) throw Empty("ProcessQueue::get: the queue is empty");
        if (errno != EINTR) throw_errno(errno, "poll");  // EINTR: poll again for the time left
      }
    }
    std::uint64_t size = 0;
    const std::size_t got = read_full(reader_.get(), std::as_writable_bytes(std::span(&size, 1)));
    if (got != kHeaderSize) throw CorruptedQueueError("ProcessQueue::get: the pipe ended inside a frame header");
    // The length is checked before allocating: a misread header (garbage) must not allocate terabytes.
    if (size > kMaxMessageSize) {
      throw CorruptedQueueError("ProcessQueue::get: a frame announces " + std::to_string(size) +
                                " bytes: the stream is no longer made of whole frames");
    }
    message.resize(size);
    if (read_full(reader_.get(), message) != size) {
      throw CorruptedQueueError("ProcessQueue::get: the pipe ended inside a frame");
    }
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
