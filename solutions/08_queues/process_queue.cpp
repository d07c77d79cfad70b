// Lesson 08, queues: make ProcessQueue pass the tests in tests/08_queues/.
// Concept: multiprocessing.Queue: frames in a shared ring, process-shared locks and a semaphore (lessons/08_queues/README.md).
// Check: ./threadlings check 08    (or ctest --preset student -L lesson08)
#include "process_queue.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>

namespace threadlings::lesson08 {

// Lives in a MAP_SHARED mapping made before fork: every process sees the same bytes, so the same
// mutexes, conditions, semaphore, counters and ring. That is what PTHREAD_PROCESS_SHARED, pshared=1
// and lock-free atomics promise to work on.
struct ProcessQueue::Shared {
  // The ring's size: what a Linux pipe holds. A frame up to this size is got whole or not at all.
  static constexpr std::size_t kRingSize = std::size_t{64} * 1024;

  // Each group that one side writes has a cache line of its own (alignas(64)): a reader and a writer
  // on two cores then do not make one line bounce between them (false sharing).
  alignas(64) pthread_mutex_t read_lock;   // one get() at a time, from its frame's header to its last byte
  alignas(64) pthread_mutex_t write_lock;  // one put() at a time: a frame's bytes follow each other in the ring
  alignas(64) sem_t free_places;           // maxsize minus the messages put and not yet got

  // The ring holds the bytes [head, tail) of the stream of frames. Both are byte counts since the start
  // (never wrapped; a byte's place is its count % kRingSize). Only the write_lock holder stores tail and
  // only the read_lock holder stores head, so each has one writer: the bytes are copied first, then the
  // count is stored (release, or seq_cst where it may wake a sleeper: see wait_until()), and the other
  // side loads it (acquire or seq_cst) before it touches those bytes.
  alignas(64) std::atomic<std::uint64_t> tail;
  std::atomic<std::uint64_t> frames_written;  // whole frames in the ring since the start (after tail)
  alignas(64) std::atomic<std::uint64_t> head;
  std::atomic<std::uint64_t> frames_read;     // frames taken out since the start (after head)

  // Sleeping. A side with nothing to do spins a little, then waits on its condition under sleep_lock,
  // counted in *_waiting; the other side takes sleep_lock and broadcasts only when that count is not
  // zero. So a put or get that finds the other side awake makes no system call at all.
  alignas(64) pthread_mutex_t sleep_lock;
  pthread_cond_t data_arrived;   // tail or frames_written moved (CLOCK_MONOTONIC, for timed gets)
  pthread_cond_t space_freed;    // head moved
  std::atomic<std::uint32_t> readers_waiting;
  std::atomic<std::uint32_t> writers_waiting;

  alignas(64) std::byte ring[kRingSize];
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "a lock-free atomic needs no lock that lives in one process");

namespace {

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

// Whether `deadline` has passed (never, for "for ever").
bool passed(const std::optional<timespec>& deadline) {
  if (!deadline) return false;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

// A hint to the CPU that this is a wait loop (it saves power and leaves the core to a sibling thread).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How many times a waiting side looks again before it sleeps: some tens of microseconds, long enough
// for the other side's next put or get when both are busy, short enough to cost little when not.
constexpr int kSpins = 2000;

// Waits until `ready()` holds, at most until `deadline`: first spinning, then asleep on `condition`
// (counted in `waiting`, so that wake() knows to broadcast). False when the time ran out.
// Counting in and the loads in ready() are sequentially consistent, as are the waker's store of what
// it changed and its load of the count (wake()): of two such pairs, one side always sees the other's
// write, so either wake() sees the count, or ready() sees the new value. (Fences would say the same,
// but ThreadSanitizer does not model them; seq_cst operations it checks.) The check and the wait are
// under sleep_lock, which wake() takes to broadcast: no broadcast falls between them.
template <typename Ready>
bool wait_until(pthread_mutex_t* sleep_lock, pthread_cond_t* condition, std::atomic<std::uint32_t>& waiting,
                const std::optional<timespec>& deadline, Ready ready) {
  for (int spin = 0; spin < kSpins; ++spin) {
    if (ready()) return true;
    if (spin % 64 == 63 && passed(deadline)) break;
    cpu_relax();
  }
  (void)lock_until(sleep_lock, std::nullopt);  // no deadline: it only waits for a waker's broadcast
  const Unlock unlock(sleep_lock);
  waiting.fetch_add(1, std::memory_order_seq_cst);
  bool result = true;
  while (!ready()) {
    // Timed waits take the CLOCK_MONOTONIC deadline as it is: the conditions were made with that clock.
    const int error = deadline ? ::pthread_cond_timedwait(condition, sleep_lock, &*deadline)
                               : ::pthread_cond_wait(condition, sleep_lock);
    if (error == ETIMEDOUT) {
      result = ready();
      break;
    }
    if (error != 0) {
      waiting.fetch_sub(1);
      throw_errno(error, "pthread_cond_wait");
    }
  }
  waiting.fetch_sub(1);
  return result;
}

// Wakes the processes and threads asleep on `condition`, if there are any (else no system call).
// Called after storing what they wait for, with memory_order_seq_cst (see wait_until()).
void wake(pthread_mutex_t* sleep_lock, pthread_cond_t* condition, const std::atomic<std::uint32_t>& waiting) {
  if (waiting.load(std::memory_order_seq_cst) == 0) return;
  (void)lock_until(sleep_lock, std::nullopt);  // held by a sleeper only between its check and its wait
  const Unlock unlock(sleep_lock);
  ::pthread_cond_broadcast(condition);
}

// Copies `bytes` into the ring at stream position `at` (wrapping at its end).
void copy_in(std::span<std::byte> ring, std::uint64_t at, std::span<const std::byte> bytes) {
  const std::size_t offset = static_cast<std::size_t>(at % ring.size());
  const std::size_t first = std::min(bytes.size(), ring.size() - offset);
  std::memcpy(ring.data() + offset, bytes.data(), first);
  if (first < bytes.size()) std::memcpy(ring.data(), bytes.data() + first, bytes.size() - first);
}

// Copies bytes out of the ring from stream position `at` into `into` (wrapping at its end).
void copy_out(std::span<const std::byte> ring, std::uint64_t at, std::span<std::byte> into) {
  const std::size_t offset = static_cast<std::size_t>(at % ring.size());
  const std::size_t first = std::min(into.size(), ring.size() - offset);
  std::memcpy(into.data(), ring.data() + offset, first);
  if (first < into.size()) std::memcpy(into.data() + first, ring.data(), into.size() - first);
}

// Makes a mutex usable from every process that maps it.
int init_shared_mutex(pthread_mutex_t* mutex) {
  pthread_mutexattr_t attributes;
  ::pthread_mutexattr_init(&attributes);
  ::pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  const int error = ::pthread_mutex_init(mutex, &attributes);
  ::pthread_mutexattr_destroy(&attributes);
  return error;
}

// Makes a condition usable from every process that maps it, with CLOCK_MONOTONIC for its timed waits
// (a change of the wall clock must not stretch or cut a timeout).
int init_shared_condition(pthread_cond_t* condition) {
  pthread_condattr_t attributes;
  ::pthread_condattr_init(&attributes);
  ::pthread_condattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  ::pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  const int error = ::pthread_cond_init(condition, &attributes);
  ::pthread_condattr_destroy(&attributes);
  return error;
}

}  // namespace

ProcessQueue::ProcessQueue(long maxsize)
    : maxsize_(maxsize > 0 ? std::min<long>(maxsize, SEM_VALUE_MAX) : SEM_VALUE_MAX), creator_(::getpid()) {
  void* memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw_errno(errno, "mmap");
  shared_ = static_cast<Shared*>(memory);
  Shared& s = *shared_;
  // Each step runs only if the ones before succeeded; `made` counts them, so that a failure undoes
  // exactly what was made, in reverse order: nothing is left behind.
  int made = 0;
  int error = init_shared_mutex(&s.read_lock);
  if (error == 0 && ++made) error = init_shared_mutex(&s.write_lock);
  if (error == 0 && ++made) error = init_shared_mutex(&s.sleep_lock);
  if (error == 0 && ++made) error = init_shared_condition(&s.data_arrived);
  if (error == 0 && ++made) error = init_shared_condition(&s.space_freed);
  if (error == 0 && ++made && ::sem_init(&s.free_places, /*pshared=*/1, static_cast<unsigned>(maxsize_)) != 0) {
    error = errno;
  }
  if (error != 0) {
    if (made >= 5) ::pthread_cond_destroy(&s.space_freed);
    if (made >= 4) ::pthread_cond_destroy(&s.data_arrived);
    if (made >= 3) ::pthread_mutex_destroy(&s.sleep_lock);
    if (made >= 2) ::pthread_mutex_destroy(&s.write_lock);
    if (made >= 1) ::pthread_mutex_destroy(&s.read_lock);
    ::munmap(memory, sizeof(Shared));
    throw_errno(error, "ProcessQueue: initializing the shared locks");
  }
  // The mapping starts zero-filled, but an atomic's life starts with its construction: say so.
  std::construct_at(&s.tail, 0);
  std::construct_at(&s.frames_written, 0);
  std::construct_at(&s.head, 0);
  std::construct_at(&s.frames_read, 0);
  std::construct_at(&s.readers_waiting, 0U);
  std::construct_at(&s.writers_waiting, 0U);
}

ProcessQueue::~ProcessQueue() {
  close();
  // Only the creator destroys: a child's copy is one of many views of the same objects.
  if (::getpid() == creator_) {
    ::sem_destroy(&shared_->free_places);
    ::pthread_cond_destroy(&shared_->space_freed);
    ::pthread_cond_destroy(&shared_->data_arrived);
    ::pthread_mutex_destroy(&shared_->sleep_lock);
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
  Shared& s = *shared_;
  if (!lock_until(&s.write_lock, deadline)) {
    ::sem_post(&s.free_places);  // nothing was queued: give the place back
    throw Full("ProcessQueue::put: the writer lock was busy");
  }
  const Unlock unlock(&s.write_lock);  // held until the frame's last byte is in the ring
  const std::uint64_t size = message.size();
  const std::array<std::span<const std::byte>, 2> parts{std::as_bytes(std::span(&size, 1)), message};
  std::uint64_t tail = s.tail.load(std::memory_order_relaxed);  // only this lock's holder stores it
  const auto publish = [&] {
    if (s.tail.load(std::memory_order_relaxed) == tail) return;
    s.tail.store(tail, std::memory_order_seq_cst);  // seq_cst: paired with wake()'s load (see wait_until())
    wake(&s.sleep_lock, &s.data_arrived, s.readers_waiting);
  };
  for (std::span<const std::byte> part : parts) {
    while (!part.empty()) {
      const std::uint64_t free = Shared::kRingSize - (tail - s.head.load(std::memory_order_acquire));
      if (free == 0) {
        // The ring is full, as a pipe can be: hand over what is written, then wait for a reader to make
        // room (no timeout here, as for a write into a full pipe: the frame is half-way in).
        publish();
        (void)wait_until(&s.sleep_lock, &s.space_freed, s.writers_waiting, std::nullopt,
                         [&] { return s.head.load(std::memory_order_seq_cst) + Shared::kRingSize > tail; });
        continue;
      }
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(free, part.size()));
      copy_in(s.ring, tail, part.first(n));
      tail += n;
      part = part.subspan(n);
    }
  }
  s.tail.store(tail, std::memory_order_seq_cst);
  s.frames_written.fetch_add(1, std::memory_order_seq_cst);  // the frame is whole: a get may take it
  wake(&s.sleep_lock, &s.data_arrived, s.readers_waiting);
}

std::vector<std::byte> ProcessQueue::get_bytes(bool block, Timeout timeout) {
  if (closed()) throw ClosedError("ProcessQueue::get: the queue is closed in this process");
  const auto deadline = deadline_of(block, timeout);
  Shared& s = *shared_;
  if (!lock_until(&s.read_lock, deadline)) throw Empty("ProcessQueue::get: the reader lock was busy");
  std::vector<std::byte> message;
  {
    const Unlock unlock(&s.read_lock);  // held until the whole frame has left the ring
    std::uint64_t head = s.head.load(std::memory_order_relaxed);  // only this lock's holder stores it
    const std::uint64_t frames_read = s.frames_read.load(std::memory_order_relaxed);
    // Wait for a whole frame, or for a full ring: then the frame at the front is larger than the ring
    // and its writer waits for room. Nothing is taken out before that, so a get that gives up leaves
    // the start of a frame where it was.
    const bool ready = wait_until(&s.sleep_lock, &s.data_arrived, s.readers_waiting, deadline, [&] {
      return s.frames_written.load(std::memory_order_seq_cst) != frames_read ||
             s.tail.load(std::memory_order_seq_cst) - head == Shared::kRingSize;
    });
    if (!ready) throw Empty("ProcessQueue::get: the queue is empty");
    std::uint64_t size = 0;
    copy_out(s.ring, head, std::as_writable_bytes(std::span(&size, 1)));
    // The length is checked before allocating: a misread header (garbage) must not allocate terabytes.
    if (size > kMaxMessageSize) {
      throw CorruptedQueueError("ProcessQueue::get: a frame announces " + std::to_string(size) +
                                " bytes: the stream is no longer made of whole frames");
    }
    message.resize(size);
    head += kHeaderSize;
    std::span<std::byte> rest(message);
    // A frame up to the ring's size is all there: one copy. A larger one is taken as it comes, each
    // piece making room for the writer; once begun it is read to its end (no timeout any more).
    while (true) {
      const std::uint64_t available = s.tail.load(std::memory_order_acquire) - head;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(available, rest.size()));
      copy_out(s.ring, head, rest.first(n));
      head += n;
      rest = rest.subspan(n);
      s.head.store(head, std::memory_order_seq_cst);  // seq_cst: paired with wake()'s load
      wake(&s.sleep_lock, &s.space_freed, s.writers_waiting);
      if (rest.empty()) break;
      (void)wait_until(&s.sleep_lock, &s.data_arrived, s.readers_waiting, std::nullopt,
                       [&] { return s.tail.load(std::memory_order_seq_cst) != head; });
    }
    s.frames_read.store(frames_read + 1, std::memory_order_release);
  }
  ::sem_post(&s.free_places);  // the message has left the queue: one more free place
  return message;
}

std::size_t ProcessQueue::qsize() const {
  int free_places = 0;
  ::sem_getvalue(&shared_->free_places, &free_places);
  return static_cast<std::size_t>(maxsize_ - free_places);
}

bool ProcessQueue::empty() const {
  if (closed()) throw ClosedError("ProcessQueue::empty: the queue is closed in this process");
  return shared_->frames_written.load(std::memory_order_acquire) == shared_->frames_read.load(std::memory_order_acquire);
}

bool ProcessQueue::full() const {
  int free_places = 0;
  ::sem_getvalue(&shared_->free_places, &free_places);
  return free_places <= 0;
}

void ProcessQueue::close() noexcept { closed_ = true; }

bool ProcessQueue::closed() const noexcept { return closed_; }

}  // namespace threadlings::lesson08
