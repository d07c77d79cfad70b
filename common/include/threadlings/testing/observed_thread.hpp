#pragma once
/// @file
/// A thread a test can watch: its kernel id is known at once, so the test can wait until it blocks,
/// and what it throws comes back to the test's own thread.

#include <chrono>
#include <exception>
#include <functional>
#include <latch>
#include <thread>

#include <pthread.h>
#include <sys/types.h>

namespace threadlings::testing {

/// Runs `body` on a thread of its own and tells the test that thread's kernel id before the
/// constructor returns, for wait_until_blocked().
///
/// ```cpp
/// ObservedThread getter([&] { got = queue.get(); });
/// ASSERT_TRUE(getter.blocked());   // it is waiting inside get() now
/// queue.put(7);
/// getter.join();                   // rethrows what get() threw, here on the test's thread
/// ```
///
/// What `body` throws is kept and rethrown by join(). The destructor joins as well (a test that
/// ends early must first let `body` finish: put the item it waits for, release the lock), and an
/// exception that no join() collected fails the test there, instead of vanishing.
///
/// @threadsafety Owned by the test's main thread: construct, query and join it there.
class ObservedThread {
 public:
  explicit ObservedThread(std::function<void()> body);
  ~ObservedThread();
  ObservedThread(const ObservedThread&) = delete;
  ObservedThread& operator=(const ObservedThread&) = delete;

  /// The thread's kernel id (what Python calls native_id).
  [[nodiscard]] pid_t tid() const noexcept { return tid_; }

  /// The thread's pthread handle, for pthread_kill() (see InterruptingSignal). Valid until join().
  [[nodiscard]] pthread_t native_handle() { return thread_.native_handle(); }

  /// True once the thread is blocked in the kernel (a futex wait: a mutex or a condition variable);
  /// false if that does not happen within `limit` or the thread has ended.
  [[nodiscard]] bool blocked(std::chrono::milliseconds limit = std::chrono::seconds(30)) const;

  /// Waits for `body` to return and rethrows its exception, if it threw. Call it at most once.
  void join();

 private:
  std::latch started_{1};
  pid_t tid_ = 0;             // written by the thread before started_ counts down; read only after
  std::exception_ptr error_;  // written by the thread, read after it is joined
  bool collected_ = false;    // join() has rethrown (or found no) error
  std::thread thread_;        // last: starts once everything it uses exists
};

}  // namespace threadlings::testing
