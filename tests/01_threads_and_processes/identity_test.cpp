// Tests of lesson 01's ids: one pid per process, one tid per thread, and what fork() copies.
#include <exception>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "sharing.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using threadlings::lesson01::ChildIdentity;
using threadlings::lesson01::Identity;
using threadlings::lesson01::identify_child_process;
using threadlings::lesson01::identify_new_thread;
using threadlings::lesson01::identify_this_thread;
using threadlings::testing::current_tid;

// Runs `body` on a new thread and returns its result; an exception in it is rethrown here, after the
// join (an exception escaping a std::thread would end the whole test binary).
template <class Body>
auto on_another_thread(Body body) -> decltype(body()) {
  std::optional<decltype(body())> result;
  std::exception_ptr error;
  std::thread thread([&] {
    try {
      result = body();
    } catch (...) {
      error = std::current_exception();
    }
  });
  thread.join();
  if (error) std::rethrow_exception(error);
  return *result;
}

// identify_this_thread() reports the caller's own pid and tid.
TEST(ThisThread, ReportsTheCallersPidAndTid) {
  const Identity me = identify_this_thread();
  EXPECT_EQ(me.pid, ::getpid());
  EXPECT_EQ(me.tid, current_tid());
}

// GoogleTest runs tests on the process's first thread, whose tid is the pid.
TEST(ThisThread, MainThreadsTidIsThePid) {
  const Identity me = identify_this_thread();
  EXPECT_EQ(me.tid, me.pid);
}

// Any other thread of the process has the same pid but a tid of its own.
TEST(ThisThread, OtherThreadHasThePidButNotItsTid) {
  const Identity other = on_another_thread([] { return identify_this_thread(); });
  EXPECT_EQ(other.pid, ::getpid());
  EXPECT_NE(other.tid, other.pid);
  EXPECT_NE(other.tid, current_tid());
}

// A new thread belongs to the caller's process and has its own tid.
TEST(NewThread, SharesThePidButHasItsOwnTid) {
  const Identity thread = identify_new_thread();
  EXPECT_EQ(thread.pid, ::getpid());
  EXPECT_NE(thread.tid, 0);
  EXPECT_NE(thread.tid, current_tid()) << "the tid was taken on the calling thread (or with getpid)";
}

// identify_new_thread() joins its thread: no thread of it is left when it returns.
TEST(NewThread, IsJoinedBeforeReturning) {
  const std::size_t threads_before = threadlings::testing::thread_count();
  const Identity thread = identify_new_thread();
  EXPECT_NE(thread.tid, 0);
  EXPECT_EQ(threadlings::testing::thread_count(), threads_before) << "a thread is still running";
}

// Tests that fork: each must reap its children and close its descriptors.
class ChildProcess : public threadlings::testing::NoLeaksTest {};

// A forked child is another process: it has a pid of its own.
TEST_F(ChildProcess, HasItsOwnPid) {
  const ChildIdentity child = identify_child_process();
  EXPECT_GT(child.self.pid, 0);
  EXPECT_NE(child.self.pid, ::getpid());
}

// The child's only thread is its first thread, so its tid equals its pid.
TEST_F(ChildProcess, ItsOnlyThreadHasTheTidOfItsPid) {
  const ChildIdentity child = identify_child_process();
  EXPECT_EQ(child.self.tid, child.self.pid) << "the ids were not taken inside the child";
}

// The child names the process that forked it as its parent (getppid).
TEST_F(ChildProcess, ReportsTheForkingProcessAsItsParent) {
  const ChildIdentity child = identify_child_process();
  EXPECT_EQ(child.parent, ::getpid());
}

// fork() in a secondary thread copies only that thread: the child is single-threaded, tid == pid.
TEST_F(ChildProcess, ForkFromAnotherThreadCopiesOnlyThatThread) {
  struct Seen {
    pid_t forking_tid;
    ChildIdentity child;
  };
  const Seen seen = on_another_thread([] { return Seen{current_tid(), identify_child_process()}; });
  EXPECT_EQ(seen.child.self.tid, seen.child.self.pid);
  EXPECT_NE(seen.child.self.tid, seen.forking_tid);
  EXPECT_EQ(seen.child.parent, ::getpid()) << "the parent is the process, whichever thread forked";
}

}  // namespace
