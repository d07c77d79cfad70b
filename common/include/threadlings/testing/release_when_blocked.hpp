#pragma once
/// @file
/// "Let the worker finish only once this thread is waiting for it", as one object.

#include <thread>

#include <sys/types.h>

#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace threadlings::testing {

/// From a thread of its own, notifies `release` as soon as thread `tid` is blocked (see
/// wait_until_blocked()), or after wait_until_blocked()'s limit. The destructor joins that thread.
///
/// The test of "join() (or a destructor, or stop()) waits for the worker" in one line each way:
///
/// ```cpp
/// ReleaseWhenBlocked releaser(current_tid(), release);  // the worker waits on `release`
/// thread.join();                                         // must block until the worker is done
/// EXPECT_TRUE(worker_finished);
/// ```
///
/// An implementation that does not wait returns at once with the worker still held, and the test
/// sees it unfinished. (Because a thread may block for unrelated reasons, a release can come early;
/// that can only let a wrong implementation pass, never fail a right one.)
///
/// @threadsafety Constructed and destroyed by one thread; `release` must outlive this object.
class ReleaseWhenBlocked {
 public:
  ReleaseWhenBlocked(pid_t tid, Signal& release)
      : thread_([tid, &release] {
          (void)wait_until_blocked(tid);
          release.notify();
        }) {}

 private:
  std::jthread thread_;  // joined by its destructor
};

}  // namespace threadlings::testing
