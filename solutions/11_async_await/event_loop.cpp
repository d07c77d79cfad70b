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

namespace threadlings::lesson11 {

namespace {

// The loop running in each thread (Python keeps the same, per thread, in asyncio.events).
thread_local EventLoop* running_loop = nullptr;

// std::push_heap/pop_heap build a max-heap of their comparator; "fires later" puts the earliest timer
// on top. The sequence number breaks ties: of two equal deadlines, the one set first fires first.
template <typename Timer>
bool fires_later(const Timer& a, const Timer& b) noexcept {
  if (a.when != b.when) return a.when > b.when;
  return a.sequence > b.sequence;
}

// epoll_wait() takes milliseconds: round up, so that a timer is never woken for a moment too early
// (Python rounds the same way), and clamp to what an int holds.
int milliseconds_until(Duration delay) noexcept {
  if (delay <= Duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(delay).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

}  // namespace

EventLoop::EventLoop(std::unique_ptr<Clock> clock, std::size_t max_workers)
    : clock_(clock ? std::move(clock) : std::make_unique<SteadyClock>()),
      max_workers_(max_workers != 0 ? max_workers : default_max_workers()),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!epoll_fd_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  if (!wake_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_.get();
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl(eventfd)");
  }
}

EventLoop::~EventLoop() {
  if (!closed_) shut_down();
}

EventLoop* EventLoop::running() noexcept { return running_loop; }

EventLoop& get_running_loop() {
  EventLoop* loop = EventLoop::running();
  if (loop == nullptr) throw EventLoopError("no running event loop (call this from a coroutine run by run() or run_until_complete())");
  return *loop;
}

Duration EventLoop::time() const { return clock_->now(); }

// Python checks the thread only in debug mode; here always: a loop call from another thread is a data
// race on the ready queue, and the fix (call_soon_threadsafe) is one word away.
void EventLoop::check_thread(const char* what) const {
  const std::thread::id owner = loop_thread_.load(std::memory_order_relaxed);
  if (owner != std::thread::id() && owner != std::this_thread::get_id()) {
    throw EventLoopError(std::string(what) + " called from a thread that is not the event loop's: use call_soon_threadsafe()");
  }
}

void EventLoop::check_open(const char* what) const {
  if (closed_) throw EventLoopError(std::string(what) + " on a closed event loop");
}

Handle EventLoop::call_soon(std::function<void()> callback) {
  check_thread("call_soon()");
  check_open("call_soon()");
  auto entry = std::make_shared<detail::Callback>(std::move(callback));
  ready_.push_back(entry);
  return Handle(std::move(entry));
}

Handle EventLoop::call_later(Duration delay, std::function<void()> callback) {
  return call_at(time() + delay, std::move(callback));
}

// The sequence number is what keeps equal deadlines in the order they were set: a heap alone is not
// stable.
Handle EventLoop::call_at(Duration when, std::function<void()> callback) {
  check_thread("call_at()");
  check_open("call_at()");
  auto entry = std::make_shared<detail::Callback>(std::move(callback));
  timers_.push_back(Timer{when, timer_sequence_++, entry});
  std::push_heap(timers_.begin(), timers_.end(), fires_later<Timer>);
  return Handle(std::move(entry));
}

// The eventfd is written under the same mutex that close() takes to mark the queue closed, so a late
// caller never writes to a descriptor that close() has closed (or that a new open() has reused).
void EventLoop::call_soon_threadsafe(std::function<void()> callback) {
  const std::lock_guard lock(incoming_mutex_);
  if (incoming_closed_) throw EventLoopError("call_soon_threadsafe() on a closed event loop");
  incoming_.push_back(std::move(callback));
  wake_up_locked();
}

void EventLoop::wake_up_locked() {
  const std::uint64_t one = 1;
  while (::write(wake_fd_.get(), &one, sizeof one) < 0) {
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return;  // the counter is full: a wake-up is pending anyway
    throw std::system_error(errno, std::generic_category(), "write(eventfd)");
  }
}

// Read the eventfd first, then take the queue: a call sent after the read writes the eventfd again,
// so the next epoll_wait() returns at once and nothing waits unseen.
void EventLoop::take_threadsafe_calls() {
  std::uint64_t count = 0;
  while (::read(wake_fd_.get(), &count, sizeof count) < 0 && errno == EINTR) {
  }
  std::vector<std::function<void()>> calls;
  {
    const std::lock_guard lock(incoming_mutex_);
    calls.swap(incoming_);
  }
  for (auto& call : calls) ready_.push_back(std::make_shared<detail::Callback>(std::move(call)));
}

void EventLoop::add_reader(int fd, std::function<void()> callback) { watch(fd, false, std::move(callback)); }
void EventLoop::add_writer(int fd, std::function<void()> callback) { watch(fd, true, std::move(callback)); }
bool EventLoop::remove_reader(int fd) { return unwatch(fd, false); }
bool EventLoop::remove_writer(int fd) { return unwatch(fd, true); }

bool EventLoop::has_reader(int fd) const {
  const auto it = fds_.find(fd);
  return it != fds_.end() && it->second.reader != nullptr;
}

bool EventLoop::has_writer(int fd) const {
  const auto it = fds_.find(fd);
  return it != fds_.end() && it->second.writer != nullptr;
}

// One epoll registration per descriptor, for the union of what is watched: EPOLL_CTL_ADD the first
// time, EPOLL_CTL_MOD after. Level-triggered, like Python's selectors: a descriptor that stays ready is
// reported again each iteration until its callback is removed.
void EventLoop::watch(int fd, bool writing, std::function<void()> callback) {
  check_thread(writing ? "add_writer()" : "add_reader()");
  check_open(writing ? "add_writer()" : "add_reader()");
  const auto found = fds_.find(fd);
  const bool known = found != fds_.end();
  const bool reading_after = !writing || (known && found->second.reader);
  const bool writing_after = writing || (known && found->second.writer);
  epoll_event event{};
  event.events = (reading_after ? std::uint32_t{EPOLLIN} : 0U) | (writing_after ? std::uint32_t{EPOLLOUT} : 0U);
  event.data.fd = fd;
  int result = ::epoll_ctl(epoll_fd_.get(), known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
  if (result != 0 && known && errno == ENOENT) {
    // The descriptor was closed (epoll forgot it) and its number reused: register it afresh.
    result = ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event);
  }
  if (result != 0) {
    throw std::system_error(errno, std::generic_category(),
                            std::string(writing ? "add_writer" : "add_reader") + "(" + std::to_string(fd) + "): epoll_ctl");
  }
  FdWatch& entry = fds_[fd];
  auto& slot = writing ? entry.writer : entry.reader;
  if (slot) slot->cancelled = true;  // replaced: a call of the old one already queued must not run
  slot = std::make_shared<detail::Callback>(std::move(callback));
}

bool EventLoop::unwatch(int fd, bool writing) {
  check_thread(writing ? "remove_writer()" : "remove_reader()");
  const auto found = fds_.find(fd);
  if (found == fds_.end()) return false;
  auto& slot = writing ? found->second.writer : found->second.reader;
  if (!slot) return false;
  slot->cancelled = true;  // a call already queued for this iteration must not run
  slot.reset();
  const auto& other = writing ? found->second.reader : found->second.writer;
  if (other) {
    epoll_event event{};
    event.events = writing ? EPOLLIN : EPOLLOUT;
    event.data.fd = fd;
    (void)::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &event);
  } else {
    // Fails with EBADF or ENOENT when the descriptor was closed first: epoll forgot it already.
    (void)::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    fds_.erase(found);
  }
  return true;
}

std::size_t EventLoop::default_max_workers() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  std::size_t count = 1;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == 0) count = static_cast<std::size_t>(std::max(1, CPU_COUNT(&cpus)));
  return std::min<std::size_t>(32, count + 4);
}

// The worker catches what `work` throws and sends it, with `done`, back to the loop's thread: the
// coroutine waiting for the result is resumed there, never on the worker.
void EventLoop::run_in_thread(std::function<void()> work, std::function<void(std::exception_ptr)> done) {
  check_thread("run_in_thread()");
  check_open("run_in_thread()");
  auto job = [this, work = std::move(work), done = std::move(done)]() mutable {
    std::exception_ptr error;
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
    // Moved, not copied: the worker keeps no reference to the exception it hands over. A copy left
    // here could be the last one released, freeing the exception on the worker after the loop used
    // it; safe by the atomic reference count, which ThreadSanitizer cannot see inside libstdc++.
    call_soon_threadsafe([this, done = std::move(done), error = std::move(error)] {
      --threads_in_flight_;
      done(error);
    });
  };
  {
    const std::lock_guard lock(pool_mutex_);
    jobs_.push_back(std::move(job));
    // A new worker only when no idle one can take the job (Python's ThreadPoolExecutor does the same).
    if (idle_workers_ < jobs_.size() && workers_.size() < max_workers_) {
      try {
        workers_.emplace_back([this] { worker_loop(); });
      } catch (...) {
        if (workers_.empty()) {  // nobody would ever run it
          jobs_.pop_back();
          throw;
        }
      }
    }
  }
  ++threads_in_flight_;
  work_available_.notify_one();
}

void EventLoop::worker_loop() {
  std::unique_lock lock(pool_mutex_);
  while (true) {
    ++idle_workers_;
    work_available_.wait(lock, [this] { return !jobs_.empty() || pool_stopping_; });
    --idle_workers_;
    if (jobs_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // its captures go now, without the lock
    lock.lock();
  }
}

void EventLoop::run_forever() {
  check_open("run_forever()");
  if (is_running()) throw EventLoopError("run_forever(): this event loop is already running");
  if (running_loop != nullptr) throw EventLoopError("run_forever(): another event loop is running in this thread");
  running_loop = this;
  loop_thread_.store(std::this_thread::get_id());
  // However run_forever() ends (stop(), an exception), the loop is not running afterwards.
  struct Finally {
    EventLoop& loop;
    ~Finally() {
      loop.stopping_ = false;
      loop.loop_thread_.store(std::thread::id());
      running_loop = nullptr;
    }
  } finally{*this};
  while (true) {
    run_once();
    if (stopping_) break;
  }
}

void EventLoop::run_once() {
  // Cancelled timers stay in the heap until they reach the top (removing from the middle of a heap is
  // dear); there they are dropped, so that they do not decide how long to wait.
  while (!timers_.empty() && timers_.front().callback->cancelled) {
    std::pop_heap(timers_.begin(), timers_.end(), fires_later<Timer>);
    timers_.pop_back();
  }

  int timeout_ms = -1;  // for ever: nothing to do until a descriptor or another thread wakes us
  if (!ready_.empty() || stopping_) {
    timeout_ms = 0;
  } else if (clock_->is_virtual()) {
    // Virtual time moves only when the loop is idle: nothing ready, nothing in flight.
    if (fds_.empty() && threads_in_flight_ == 0) {
      if (timers_.empty()) {
        poll(0);  // a call another thread already sent is something to do
        if (ready_.empty()) {
          throw DeadlockError("deadlock: nothing is ready, no timer is set, no descriptor is watched and no thread "
                              "works for the loop: every task waits for something that can never happen");
        }
        timeout_ms = 0;
      } else {
        clock_->advance_to(timers_.front().when);
        timeout_ms = 0;
      }
    }
  } else if (!timers_.empty()) {
    timeout_ms = milliseconds_until(timers_.front().when - clock_->now());
  }
  poll(timeout_ms);

  const Duration now = clock_->now();
  while (!timers_.empty() && timers_.front().when <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), fires_later<Timer>);
    ready_.push_back(std::move(timers_.back().callback));
    timers_.pop_back();
  }

  // Only what is ready now: a callback that schedules another (a task stepping again) waits for the
  // next iteration, so timers and descriptors get their turn in between.
  for (std::size_t todo = ready_.size(); todo > 0 && !ready_.empty(); --todo) {
    const std::shared_ptr<detail::Callback> callback = std::move(ready_.front());
    ready_.pop_front();
    if (!callback->cancelled) callback->function();
  }
}

// An interrupted epoll_wait() (EINTR: a signal handler ran) is not an error: the iteration goes on
// with no events, and the next one computes its timeout afresh, as Python's selectors do.
void EventLoop::poll(int timeout_ms) {
  std::array<epoll_event, 64> events{};
  const int count = ::epoll_wait(epoll_fd_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (count < 0) {
    if (errno == EINTR) return;
    throw std::system_error(errno, std::generic_category(), "epoll_wait");
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    const epoll_event& event = events[i];
    if (event.data.fd == wake_fd_.get()) {
      take_threadsafe_calls();
      continue;
    }
    const auto found = fds_.find(event.data.fd);
    if (found == fds_.end()) continue;
    if ((event.events & kReadEvents) != 0 && found->second.reader) ready_.push_back(found->second.reader);
    if ((event.events & kWriteEvents) != 0 && found->second.writer) ready_.push_back(found->second.writer);
  }
}

void EventLoop::stop() {
  check_thread("stop()");
  stopping_ = true;
}

bool EventLoop::is_running() const noexcept { return loop_thread_.load() != std::thread::id(); }

bool EventLoop::is_closed() const noexcept { return closed_; }

void EventLoop::close() {
  if (is_running()) throw EventLoopError("close(): the event loop is running");
  if (closed_) return;
  shut_down();
}

void EventLoop::shut_down() noexcept {
  // Tasks still pending stop waiting (their timers, descriptors and queues forget them) and leave the
  // loop; their Task objects keep the coroutines, which never run again.
  const std::vector<detail::TaskCore*> pending(tasks_.begin(), tasks_.end());
  for (detail::TaskCore* task : pending) task->detach_from_loop();
  tasks_.clear();
  // Join the workers while call_soon_threadsafe() still accepts their results (then dropped).
  {
    const std::lock_guard lock(pool_mutex_);
    pool_stopping_ = true;
  }
  work_available_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  {
    const std::lock_guard lock(incoming_mutex_);
    incoming_closed_ = true;
    incoming_.clear();
  }
  closed_ = true;
  ready_.clear();
  timers_.clear();
  fds_.clear();
  epoll_fd_.reset();
  wake_fd_.reset();
}

}  // namespace threadlings::lesson11
