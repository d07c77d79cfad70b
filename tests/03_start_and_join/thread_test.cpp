// Tests of lesson 03's Thread: join, join(timeout), is_alive, the excepthook, RAII join.
#include "thread.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using lesson03_test::RecordingHook;
using lesson03_test::ReleaseOnExit;
using threadlings::lesson03::default_excepthook;
using threadlings::lesson03::ExceptHook;
using threadlings::lesson03::ExceptHookArgs;
using threadlings::lesson03::set_excepthook;
using threadlings::lesson03::Thread;
using threadlings::lesson03::ThreadError;
using threadlings::testing::Signal;

// join() returns only once the target has returned.
TEST(Thread, JoinWaitsForTheTarget) {
  Signal entered, release;
  std::atomic<bool> finished{false};
  Thread thread(
      [&] {
        entered.notify();
        release.wait();
        finished = true;
      },
      "worker");
  ReleaseOnExit release_on_exit(release);
  thread.start();
  entered.wait();
  // Releases the worker only once this thread is blocked (in join(), if all is well).
  const threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  thread.join();
  EXPECT_TRUE(finished.load()) << "join() returned while the target was still running";
}

// join(timeout) on a thread that is still running gives up after the timeout and reports false.
TEST(Thread, JoinWithTimeoutReturnsFalseWhileRunning) {
  Signal release;
  Thread thread([&] { release.wait(); }, "blocked");
  ReleaseOnExit release_on_exit(release);
  thread.start();
  EXPECT_FALSE(thread.join(1ms));
  EXPECT_TRUE(thread.is_alive()) << "join(timeout) gave up, so the thread is still running";
  release.notify();
  thread.join();
}

// join(timeout) returns true, promptly, once the thread has finished.
TEST(Thread, JoinWithTimeoutReturnsTrueOnceFinished) {
  Signal release;
  Thread thread([&] { release.wait(); }, "released");
  ReleaseOnExit release_on_exit(release);
  thread.start();
  release.notify();
  EXPECT_TRUE(thread.join(1h));  // an hour is only the limit: it returns as soon as the thread ends
  EXPECT_FALSE(thread.is_alive());
}

// A negative timeout means "do not wait", as in Python: false for a running thread, no exception.
TEST(Thread, JoinWithNegativeTimeoutDoesNotWait) {
  Signal release;
  Thread thread([&] { release.wait(); }, "negative");
  ReleaseOnExit release_on_exit(release);
  thread.start();
  EXPECT_FALSE(thread.join(-1s));
  release.notify();
  thread.join();
}

// is_alive() is false before start().
TEST(Thread, IsNotAliveBeforeStart) {
  Thread thread([] {}, "unstarted");
  EXPECT_FALSE(thread.is_alive());
}

// is_alive() is true while the target runs.
TEST(Thread, IsAliveWhileTheTargetRuns) {
  Signal entered, release;
  Thread thread(
      [&] {
        entered.notify();
        release.wait();
      },
      "running");
  ReleaseOnExit release_on_exit(release);
  thread.start();
  entered.wait();
  EXPECT_TRUE(thread.is_alive());
  release.notify();
  thread.join();
}

// is_alive() is false once the target has returned.
TEST(Thread, IsNotAliveAfterTheTargetReturns) {
  Thread thread([] {}, "short");
  thread.start();
  thread.join();
  EXPECT_FALSE(thread.is_alive());
}

// join() before start() is a misuse, reported like Python's RuntimeError; so is join(timeout).
TEST(Thread, JoinBeforeStartThrows) {
  Thread thread([] {}, "unstarted");
  EXPECT_THROW(thread.join(), ThreadError);
  EXPECT_THROW((void)thread.join(1ms), ThreadError);
}

// A thread joining itself would wait forever: it throws instead.
TEST(Thread, JoinSelfThrows) {
  std::atomic<int> threw{0};
  std::unique_ptr<Thread> thread;
  Signal created;
  thread = std::make_unique<Thread>(
      [&] {
        created.wait();
        try {
          thread->join();
        } catch (const ThreadError&) {
          ++threw;
        }
        try {
          (void)thread->join(1h);
        } catch (const ThreadError&) {
          ++threw;
        }
      },
      "self");
  ReleaseOnExit release_on_exit(created);
  thread->start();
  created.notify();
  thread->join();
  EXPECT_EQ(threw.load(), 2);
}

// A second start() throws ThreadError and runs nothing a second time.
TEST(Thread, StartTwiceThrows) {
  std::atomic<int> runs{0};
  Thread thread([&] { ++runs; }, "once");
  thread.start();
  EXPECT_THROW(thread.start(), ThreadError);
  thread.join();
  EXPECT_EQ(runs.load(), 1);
}

// Joining a finished thread again returns at once, as in Python.
TEST(Thread, JoinTwiceIsHarmless) {
  Thread thread([] {}, "twice");
  thread.start();
  thread.join();
  thread.join();
  EXPECT_TRUE(thread.join(0ms));
}

// An exception escaping the target goes to the excepthook, with the thread's name and ident.
TEST(Thread, ExceptionGoesToTheExcepthook) {
  RecordingHook hook;
  Thread thread([] { throw std::runtime_error("disk full"); }, "writer");
  thread.start();
  thread.join();  // does not rethrow
  const auto calls = hook.calls();
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].thread_name, "writer");
  EXPECT_EQ(calls[0].what, "disk full");
  EXPECT_EQ(std::optional(calls[0].ident), thread.ident());
}

// After an exception the thread has ended: it is no longer alive, and the program goes on.
TEST(Thread, ThreadEndsAfterAnException) {
  RecordingHook hook;
  Thread thread([] { throw 42; }, "thrower");
  thread.start();
  EXPECT_TRUE(thread.join(1h));
  EXPECT_FALSE(thread.is_alive());
  ASSERT_EQ(hook.calls().size(), 1U);
  EXPECT_EQ(hook.calls()[0].what, "(not a std::exception)");
}

// set_excepthook() returns the hook it replaces; the first one is default_excepthook.
TEST(Thread, SetExcepthookReturnsThePreviousHook) {
  using HookFunction = void (*)(const ExceptHookArgs&);
  const HookFunction quiet = [](const ExceptHookArgs&) {};
  ExceptHook original = set_excepthook(quiet);
  ExceptHook replaced = set_excepthook(original);
  ASSERT_NE(original.target<HookFunction>(), nullptr) << "the first hook is default_excepthook itself";
  EXPECT_EQ(*original.target<HookFunction>(), &default_excepthook);
  ASSERT_NE(replaced.target<HookFunction>(), nullptr);
  EXPECT_EQ(*replaced.target<HookFunction>(), quiet);
}

// An empty hook is rejected and the installed one stays.
TEST(Thread, SetExcepthookRejectsAnEmptyHook) {
  RecordingHook hook;
  EXPECT_THROW(set_excepthook(ExceptHook{}), std::invalid_argument);
  Thread thread([] { throw std::runtime_error("still reported"); }, "after");
  thread.start();
  thread.join();
  EXPECT_EQ(hook.calls().size(), 1U);
}

// The default hook prints "Exception in thread NAME: WHAT" to stderr.
TEST(Thread, DefaultExcepthookPrintsTheNameAndMessage) {
  const ExceptHookArgs args{std::make_exception_ptr(std::runtime_error("disk full")), "writer", std::thread::id{}};
  struct CaptureStderr {  // ends the capture even when the hook throws
    CaptureStderr() { ::testing::internal::CaptureStderr(); }
    ~CaptureStderr() {
      if (!taken) (void)::testing::internal::GetCapturedStderr();
    }
    std::string take() {
      taken = true;
      return ::testing::internal::GetCapturedStderr();
    }
    bool taken = false;
  } capture;
  default_excepthook(args);
  EXPECT_EQ(capture.take(), "Exception in thread writer: disk full\n");
}

// Destroying a started Thread that nobody joined waits for it (RAII join), never std::terminate.
TEST(Thread, DestructorJoins) {
  Signal entered, release;
  std::atomic<bool> finished{false};
  auto thread = std::make_unique<Thread>(
      [&] {
        entered.notify();
        release.wait();
        finished = true;
      },
      "raii");
  thread->start();
  entered.wait();
  const threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
  thread.reset();
  EXPECT_TRUE(finished.load()) << "the destructor returned while the thread was still running";
}

}  // namespace
