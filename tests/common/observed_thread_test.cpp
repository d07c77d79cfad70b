#include "threadlings/testing/observed_thread.hpp"

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "threadlings/testing/thread_state.hpp"

namespace {

using threadlings::testing::ObservedThread;

// The thread's kernel id is known when the constructor returns, and it is not the test's.
TEST(ObservedThread, KnowsItsKernelIdAtOnce) {
  ObservedThread thread([] {});
  EXPECT_GT(thread.tid(), 0);
  EXPECT_NE(thread.tid(), threadlings::testing::current_tid());
  thread.join();
}

// blocked() sees the thread waiting on a condition variable.
TEST(ObservedThread, BlockedSeesAWaitingThread) {
  std::mutex mutex;
  std::condition_variable changed;
  bool go = false;
  ObservedThread waiter([&] {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return go; });
  });
  EXPECT_TRUE(waiter.blocked());
  {
    std::lock_guard lock(mutex);
    go = true;
  }
  changed.notify_one();
  waiter.join();
}

// What the body throws comes back from join(), on the test's thread.
TEST(ObservedThread, JoinRethrowsWhatTheBodyThrew) {
  ObservedThread thread([] { throw std::runtime_error("from the thread"); });
  EXPECT_THROW(thread.join(), std::runtime_error);
}

// An exception that no join() collected fails the test, naming it, instead of vanishing.
TEST(ObservedThread, UncollectedExceptionFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(
      { ObservedThread thread([] { throw std::runtime_error("never collected"); }); },
      "never collected");
}

}  // namespace
