// Lesson 11, async/await: make EventLoop pass the tests in tests/11_async_await/.
// Concept: asyncio's event loop: a ready queue, a timer heap, epoll, a thread pool (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#include "event_loop.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <string>
#include <system_error>

#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "task.hpp"
#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson11 {

namespace {

// Provided: the loop running in each thread. run_forever() sets it (and clears it however it ends).
thread_local EventLoop* running_loop = nullptr;

// Provided: the order of the timer heap for std::push_heap/std::pop_heap, which build a max-heap of
// their comparator: "fires later" puts the earliest timer on top, and the sequence number makes equal
// deadlines first-in, first-out.
template <typename Timer>
[[maybe_unused]] bool fires_later(const Timer& a, const Timer& b) noexcept {
  if (a.when != b.when) return a.when > b.when;
  return a.sequence > b.sequence;
}

// Provided: epoll_wait()'s timeout in milliseconds, rounded up (never wake a moment too early).
[[maybe_unused]] int milliseconds_until(Duration delay) noexcept {
  if (delay <= Duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(delay).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// Provided: the epoll events that make a reader (or a writer) runnable.
[[maybe_unused]] constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLHUP | EPOLLERR;
[[maybe_unused]] constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

}  // namespace

// TODO: create the epoll descriptor (epoll_create1(EPOLL_CLOEXEC)) and the eventfd
// (eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) into epoll_fd_ and wake_fd_ (a failure throws
// std::system_error with errno), and register the eventfd with epoll for EPOLLIN (data.fd = its fd).
// clock_ and max_workers_ are set below already.
EventLoop::EventLoop(std::unique_ptr<Clock> clock, std::size_t max_workers)
    : clock_(clock ? std::move(clock) : std::make_unique<SteadyClock>()),
      max_workers_(max_workers != 0 ? max_workers : default_max_workers()) {
  throw NotImplemented("EventLoop::EventLoop — see lesson 11");
}

// TODO: if not closed_, shut_down().
EventLoop::~EventLoop() {}

// Provided.
EventLoop* EventLoop::running() noexcept { return running_loop; }

// Provided.
EventLoop& get_running_loop() {
  EventLoop* loop = EventLoop::running();
  if (loop == nullptr) throw EventLoopError("no running event loop (call this from a coroutine run by run() or run_until_complete())");
  return *loop;
}

// Provided.
Duration EventLoop::time() const { return clock_->now(); }

// TODO: the thread rule. If loop_thread_ holds a thread (the loop runs) and it is not the calling
// thread, throw EventLoopError naming `what` and suggesting call_soon_threadsafe().
void EventLoop::check_thread(const char* what) const {
  throw NotImplemented("EventLoop::check_thread — see lesson 11");
}

// Provided.
void EventLoop::check_open(const char* what) const {
  if (closed_) throw EventLoopError(std::string(what) + " on a closed event loop");
}

// TODO: check_thread, check_open; a new detail::Callback (std::make_shared) at the back of ready_;
// return a Handle to it.
Handle EventLoop::call_soon(std::function<void()> callback) {
  throw NotImplemented("EventLoop::call_soon — see lesson 11");
}

// Provided.
Handle EventLoop::call_later(Duration delay, std::function<void()> callback) {
  return call_at(time() + delay, std::move(callback));
}

// TODO: check_thread, check_open; push Timer{when, timer_sequence_++, callback} into timers_ and
// std::push_heap it with fires_later<Timer>; return a Handle to the callback.
Handle EventLoop::call_at(Duration when, std::function<void()> callback) {
  throw NotImplemented("EventLoop::call_at — see lesson 11");
}

// TODO: under incoming_mutex_: closed (incoming_closed_) -> EventLoopError; push the callback into
// incoming_; wake_up_locked(). (Writing the eventfd under the mutex keeps close() from closing it
// under a late caller's feet.)
void EventLoop::call_soon_threadsafe(std::function<void()> callback) {
  throw NotImplemented("EventLoop::call_soon_threadsafe — see lesson 11");
}

// TODO: write the 8-byte value 1 to wake_fd_: retry EINTR; EAGAIN means the counter is full and a
// wake-up is pending anyway; anything else throws std::system_error.
void EventLoop::wake_up_locked() {
  throw NotImplemented("EventLoop::wake_up_locked — see lesson 11");
}

// TODO: first read the eventfd (8 bytes; retry EINTR; EAGAIN is fine), then swap incoming_ out under
// the mutex and append each call to ready_ as a detail::Callback. (In that order: a call sent after the
// read writes the eventfd again, so it cannot be missed.)
void EventLoop::take_threadsafe_calls() {
  throw NotImplemented("EventLoop::take_threadsafe_calls — see lesson 11");
}

// Provided: the four public calls share watch() and unwatch().
void EventLoop::add_reader(int fd, std::function<void()> callback) { watch(fd, false, std::move(callback)); }
void EventLoop::add_writer(int fd, std::function<void()> callback) { watch(fd, true, std::move(callback)); }
bool EventLoop::remove_reader(int fd) { return unwatch(fd, false); }
bool EventLoop::remove_writer(int fd) { return unwatch(fd, true); }

// Provided.
bool EventLoop::has_reader(int fd) const {
  const auto it = fds_.find(fd);
  return it != fds_.end() && it->second.reader != nullptr;
}

bool EventLoop::has_writer(int fd) const {
  const auto it = fds_.find(fd);
  return it != fds_.end() && it->second.writer != nullptr;
}

// TODO: check_thread, check_open. One epoll registration per descriptor, for what is watched after
// this call: EPOLLIN if it will have a reader, EPOLLOUT if a writer; data.fd = fd. EPOLL_CTL_ADD if fds_
// does not know fd yet, else EPOLL_CTL_MOD (and if MOD fails with ENOENT, the descriptor was closed
// and its number reused: ADD instead). A failure throws std::system_error (EBADF, EPERM for a regular
// file) and changes nothing. Then store a new Callback in fds_[fd].reader (or .writer), marking a
// replaced one cancelled.
void EventLoop::watch(int fd, bool writing, std::function<void()> callback) {
  throw NotImplemented("EventLoop::watch — see lesson 11");
}

// TODO: check_thread. Nothing watched in that direction -> false. Else mark the callback cancelled (a
// call already queued must not run) and drop it; EPOLL_CTL_MOD to what is left, or EPOLL_CTL_DEL and
// erase the entry when nothing is (ignore epoll_ctl's errors here: a closed descriptor is gone from
// epoll already). True.
bool EventLoop::unwatch(int fd, bool writing) {
  throw NotImplemented("EventLoop::unwatch — see lesson 11");
}

// Provided: min(32, CPUs in this process's affinity mask + 4), as lesson 10's ThreadPoolExecutor.
std::size_t EventLoop::default_max_workers() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  std::size_t count = 1;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == 0) count = static_cast<std::size_t>(std::max(1, CPU_COUNT(&cpus)));
  return std::min<std::size_t>(32, count + 4);
}

// TODO: check_thread, check_open. Wrap the two functions in one job for a worker: run `work`,
// catching its exception into a std::exception_ptr, then call_soon_threadsafe() a callback that does
// --threads_in_flight_ and calls done(error) (so `done` runs on the loop's thread, never the worker's).
// Move the exception_ptr into that callback: then the worker keeps no reference to the exception.
// A copy left behind could be the last one released, on the worker, after the loop's thread has used
// the exception; the reference count makes that safe, but its atomics live in the uninstrumented
// libstdc++, so ThreadSanitizer sees a race.
// Under pool_mutex_ push the job into jobs_, and start a worker (worker_loop) when no idle worker can
// take it (idle_workers_ < jobs_.size()) and fewer than max_workers_ exist. Then ++threads_in_flight_
// and notify work_available_.
void EventLoop::run_in_thread(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
  throw NotImplemented("EventLoop::run_in_thread — see lesson 11");
}

// TODO: under pool_mutex_, forever: count yourself idle and wait on work_available_ until jobs_ is
// not empty or pool_stopping_; empty after that means stopping: return. Else take the front job,
// unlock, run it, destroy it, lock again.
void EventLoop::worker_loop() {
  throw NotImplemented("EventLoop::worker_loop — see lesson 11");
}

// TODO: check_open; refuse (EventLoopError) when this loop is running, or when another loop runs in
// this thread (running_loop). Set running_loop and loop_thread_ (std::this_thread::get_id()); then
// run_once() until stopping_. However it ends (an exception too: a small RAII struct), clear
// stopping_, loop_thread_ and running_loop.
void EventLoop::run_forever() {
  throw NotImplemented("EventLoop::run_forever — see lesson 11");
}

// TODO: one iteration (Python's _run_once; see the class comment):
//   1. pop cancelled timers off the top of the heap;
//   2. the timeout: 0 if ready_ is not empty or stopping_. Else with a virtual clock: if nothing is in
//      flight (fds_ empty and threads_in_flight_ == 0), either jump the clock to the earliest deadline
//      (advance_to) and use 0, or, with no timer at all, poll(0) once and throw DeadlockError if that
//      made nothing ready; while something is in flight, -1. With a real clock: the time until the
//      earliest deadline (milliseconds_until), or -1 without timers;
//   3. poll(timeout);
//   4. move every timer whose deadline is <= clock_->now() to ready_, earliest first (pop_heap);
//   5. run the callbacks that are in ready_ now (count them first), skipping cancelled ones.
void EventLoop::run_once() {
  throw NotImplemented("EventLoop::run_once — see lesson 11");
}

// TODO: epoll_wait() into an array of 64 events. -1 with EINTR: return (not an error: the next
// iteration computes its timeout afresh); other errors throw std::system_error. For each event: the
// eventfd -> take_threadsafe_calls(); a descriptor in fds_ -> its reader into ready_ if the events
// include kReadEvents, its writer if kWriteEvents.
void EventLoop::poll(int timeout_ms) {
  throw NotImplemented("EventLoop::poll — see lesson 11");
}

// TODO: check_thread; stopping_ = true.
void EventLoop::stop() {
  throw NotImplemented("EventLoop::stop — see lesson 11");
}

// Provided.
bool EventLoop::is_running() const noexcept { return loop_thread_.load() != std::thread::id(); }

bool EventLoop::is_closed() const noexcept { return closed_; }

// TODO: running -> EventLoopError; closed already -> nothing; else shut_down().
void EventLoop::close() {
  throw NotImplemented("EventLoop::close — see lesson 11");
}

// TODO: in this order: detach_from_loop() every task in tasks_ (iterate a copy: it erases) and clear
// tasks_; set pool_stopping_ under pool_mutex_, notify_all, join and clear workers_; under
// incoming_mutex_ set incoming_closed_ and clear incoming_; closed_ = true; clear ready_, timers_ and
// fds_; reset epoll_fd_ and wake_fd_.
void EventLoop::shut_down() noexcept {}

}  // namespace threadlings::lesson11
