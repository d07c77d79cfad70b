// Helpers shared by lesson 04's tests: a thread whose kernel id the test knows, so it can wait until the
// thread is blocked (in acquire(), wait(), transfer()...) before acting.
#pragma once

#include <chrono>
#include <functional>
#include <latch>
#include <thread>
#include <utility>

#include <sys/types.h>

#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace lesson04_test {

/// A std::jthread that runs `body` and tells the test its kernel id first. The constructor returns once
/// the id is known; `body` must not throw (catch inside it and record what happened).
///
/// ```cpp
/// ObservedThread waiter([&] { got = lock.acquire(); });
/// ASSERT_TRUE(waiter.blocked());   // it is waiting inside acquire() now
/// ```
///
/// @threadsafety Owned by the test's main thread.
class ObservedThread {
 public:
  explicit ObservedThread(std::function<void()> body)
      : thread_([this, body = std::move(body)] {
          tid_ = threadlings::testing::current_tid();
          started_.count_down();
          body();
        }) {
    started_.wait();
  }

  /// True once the thread is blocked in the kernel (a futex wait: a mutex or a condition variable);
  /// false if that does not happen within `limit` or the thread has ended.
  [[nodiscard]] bool blocked(std::chrono::milliseconds limit = std::chrono::seconds(30)) const {
    return threadlings::testing::wait_until_blocked(tid_, limit);
  }

  void join() { thread_.join(); }

 private:
  std::latch started_{1};
  pid_t tid_ = 0;        // written by the thread before started_ counts down; read only after that
  std::jthread thread_;  // last: starts once the members above exist; joined first by the destructor
};

using threadlings::testing::ReleaseOnExit;  // shared: common/include/threadlings/testing/start_gate.hpp

}  // namespace lesson04_test
