// Tests of lesson 02's Thread: Python's threading.Thread life cycle on a C++ thread.
#include "thread.hpp"

#include <atomic>
#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using threadlings::lesson02::Thread;
using threadlings::lesson02::ThreadError;
using threadlings::testing::Signal;

// The N of a default name "Thread-N", or nothing when the name has another shape. Parsed by hand:
// std::regex doubled this file's compile time, and every grade and CLI test compiles it.
std::optional<unsigned long> default_name_number(std::string_view name) {
  constexpr std::string_view kPrefix = "Thread-";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) return std::nullopt;
  const std::string_view digits = name.substr(kPrefix.size());
  unsigned long number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return number;
}

// Constructing a Thread starts no thread; start() does.
TEST(Thread, DoesNotRunBeforeStart) {
  const std::size_t threads_before = threadlings::testing::thread_count();
  std::atomic<bool> ran{false};
  Thread thread([&] { ran = true; });
  EXPECT_EQ(threadlings::testing::thread_count(), threads_before) << "the constructor started a thread";
  EXPECT_FALSE(ran.load());
  thread.start();
  thread.join();
  EXPECT_TRUE(ran.load());
}

// The target runs on a thread other than the caller's.
TEST(Thread, TargetRunsOnAnotherThread) {
  std::thread::id inside;
  Thread thread([&] { inside = std::this_thread::get_id(); });
  thread.start();
  thread.join();
  EXPECT_NE(inside, std::thread::id{});
  EXPECT_NE(inside, std::this_thread::get_id());
}

// Arguments are copied at construction: later changes to the caller's variable are not seen.
TEST(Thread, ArgumentsAreCopiedAtConstruction) {
  std::string text = "at construction";
  std::string seen;
  Thread thread([&seen](const std::string& argument) { seen = argument; }, text);
  text = "changed before start";
  thread.start();
  thread.join();
  EXPECT_EQ(seen, "at construction");
}

// std::ref passes an argument by reference, as with std::thread.
TEST(Thread, StdRefPassesByReference) {
  int counter = 41;
  Thread thread([](int& value) { ++value; }, std::ref(counter));
  thread.start();
  thread.join();
  EXPECT_EQ(counter, 42);
}

// A second start() throws ThreadError, like Python's RuntimeError, and starts nothing.
TEST(Thread, StartTwiceThrows) {
  std::atomic<int> runs{0};
  Thread thread([&] { ++runs; });
  thread.start();
  EXPECT_THROW(thread.start(), ThreadError);
  thread.join();
  EXPECT_EQ(runs.load(), 1);
}

// ident() and native_id() are empty before start().
TEST(Thread, IdsAreEmptyBeforeStart) {
  Thread thread([] {});
  EXPECT_FALSE(thread.ident().has_value());
  EXPECT_FALSE(thread.native_id().has_value());
  thread.start();
  thread.join();
  EXPECT_TRUE(thread.ident().has_value());
}

// As soon as start() returns, ident() and native_id() name the running thread.
TEST(Thread, IdsAreKnownWhenStartReturns) {
  Signal release;
  std::atomic<pid_t> tid_inside{0};
  std::thread::id id_inside;
  Signal recorded;
  Thread thread([&] {
    id_inside = std::this_thread::get_id();
    tid_inside = threadlings::testing::current_tid();
    recorded.notify();
    release.wait();
  });
  thread.start();
  const auto ident = thread.ident();        // read before the thread is released: start() must
  const auto native_id = thread.native_id();  // have waited for it
  recorded.wait();
  release.notify();
  thread.join();
  ASSERT_TRUE(ident.has_value());
  ASSERT_TRUE(native_id.has_value());
  EXPECT_EQ(*ident, id_inside);
  EXPECT_EQ(*native_id, tid_inside.load());
  EXPECT_NE(*native_id, threadlings::testing::current_tid());
}

// Default names are "Thread-N", distinct, numbered in creation order.
TEST(Thread, DefaultNamesAreNumberedInOrder) {
  Thread first([] {});
  Thread second([] {});
  const auto first_number = default_name_number(first.name());
  const auto second_number = default_name_number(second.name());
  ASSERT_TRUE(first_number.has_value()) << first.name();
  ASSERT_TRUE(second_number.has_value()) << second.name();
  EXPECT_LT(*first_number, *second_number);
}

// Threads created concurrently still get distinct names (the counter is shared).
TEST(Thread, NamesStayDistinctWhenCreatedConcurrently) {
  constexpr int kCreators = 4;
  constexpr int kEach = 50;
  std::vector<std::vector<std::string>> names(kCreators);
  std::vector<std::exception_ptr> errors(kCreators);  // an exception may not escape a std::thread
  threadlings::testing::StartGate gate(kCreators);
  std::vector<std::thread> creators;
  for (std::size_t c = 0; c < kCreators; ++c) {
    creators.emplace_back([&, c] {
      gate.arrive_and_wait();
      try {
        for (int i = 0; i < kEach; ++i) names[c].push_back(Thread([] {}).name());
      } catch (...) {
        errors[c] = std::current_exception();
      }
    });
  }
  gate.wait_until_all_arrived();
  gate.open();
  for (auto& creator : creators) creator.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  std::set<std::string> distinct;
  for (const auto& list : names) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), std::size_t{kCreators * kEach});
}

// set_name() renames the thread.
TEST(Thread, NameCanBeSet) {
  Thread thread([] {});
  thread.set_name("downloader");
  EXPECT_EQ(thread.name(), "downloader");
}

// A subclass overrides run() instead of passing a target.
TEST(Thread, SubclassRunIsCalled) {
  class Squarer : public Thread {
   public:
    explicit Squarer(int x) : x_(x) {}
    ~Squarer() override { join(); }  // join before this part of the object is destroyed
    void run() override { result = x_ * x_; }
    int result = 0;

   private:
    int x_;
  };
  Squarer squarer(7);
  squarer.start();
  squarer.join();
  EXPECT_EQ(squarer.result, 49);
}

// A Thread without a target runs nothing and finishes.
TEST(Thread, NoTargetRunsNothing) {
  Thread thread;
  thread.start();
  thread.join();
  EXPECT_TRUE(thread.ident().has_value());
}

// join() before start() is a misuse, reported like Python's RuntimeError.
TEST(Thread, JoinBeforeStartThrows) {
  Thread thread([] {});
  EXPECT_THROW(thread.join(), ThreadError);
}

// A thread joining itself would wait forever: it throws instead.
TEST(Thread, JoinSelfThrows) {
  std::atomic<bool> threw{false};
  std::unique_ptr<Thread> thread;
  Signal created;
  thread = std::make_unique<Thread>([&] {
    created.wait();
    try {
      thread->join();
    } catch (const ThreadError&) {
      threw = true;
    }
  });
  thread->start();
  created.notify();
  thread->join();
  EXPECT_TRUE(threw.load());
}

// The daemon flag is settable before start() and fixed after.
TEST(Thread, DaemonIsFixedOnceStarted) {
  Signal release;
  Thread thread([&] { release.wait(); });
  EXPECT_FALSE(thread.daemon());
  thread.set_daemon(true);
  EXPECT_TRUE(thread.daemon());
  thread.set_daemon(false);
  thread.start();
  EXPECT_THROW(thread.set_daemon(true), ThreadError);
  release.notify();
  thread.join();
  EXPECT_FALSE(thread.daemon());
}

// Destroying a started, unjoined, non-daemon Thread waits for it to finish (RAII join).
TEST(Thread, DestructorJoinsNonDaemonThread) {
  Signal entered, release;
  std::atomic<bool> finished{false};
  auto thread = std::make_unique<Thread>([&] {
    entered.notify();
    release.wait();
    finished = true;
  });
  thread->start();
  entered.wait();
  {
    // Releases the worker only once this thread is blocked (in the destructor's join, if all is well).
    const threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), release);
    thread.reset();
    EXPECT_TRUE(finished.load()) << "the destructor returned while the thread was still running";
  }
}

// Destroying a started daemon Thread does not wait: the thread goes on by itself.
TEST(Thread, DestructorLeavesDaemonRunning) {
  // Shared ownership: the daemon outlives this scope and must not touch a dead stack frame.
  auto release = std::make_shared<Signal>();
  auto finished = std::make_shared<Signal>();
  {
    Thread thread([release, finished] {
      release->wait();
      finished->notify();
    });
    thread.set_daemon(true);
    thread.start();
  }  // would block forever here if the destructor joined: the watchdog reports it
  EXPECT_FALSE(finished->notified());
  // The running daemon owns its target, and with it these captured pointers. Had the target died
  // with the Thread object, only this test would still hold them, and the thread would run freed code.
  EXPECT_EQ(release.use_count(), 2) << "the daemon's target was destroyed with its Thread object";
  release->notify();
  finished->wait();
}

}  // namespace
