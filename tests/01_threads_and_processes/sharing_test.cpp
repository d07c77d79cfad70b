// Tests of lesson 01's sharing: a thread writes the caller's memory, a forked child writes a copy.
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sharing.hpp"
#include "threadlings/io.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::lesson01::ChildError;
using threadlings::lesson01::run_in_child;
using threadlings::lesson01::run_in_thread;
using threadlings::testing::current_tid;

// A thread's write to the caller's variable is there when run_in_thread() returns.
TEST(RunInThread, ThreadsWriteIsSeenByTheCaller) {
  int value = 1;
  const int result = run_in_thread([&value] {
    value = 2;
    return 0;
  });
  EXPECT_EQ(result, 0);
  EXPECT_EQ(value, 2) << "threads of one process share its memory";
}

// The target runs on a thread other than the caller's, and its result comes back.
TEST(RunInThread, TargetRunsOnAnotherThread) {
  const pid_t target_tid = run_in_thread([] { return current_tid(); });
  EXPECT_NE(target_tid, 0);
  EXPECT_NE(target_tid, current_tid()) << "the target ran on the calling thread";
}

// Tests that fork: each must reap its children and close its descriptors.
class RunInChild : public threadlings::testing::NoLeaksTest {};

// The target runs in another process.
TEST_F(RunInChild, TargetRunsInAnotherProcess) {
  const pid_t target_pid = run_in_child([] { return ::getpid(); });
  EXPECT_NE(target_pid, 0);
  EXPECT_NE(target_pid, ::getpid()) << "the target ran in the parent";
}

// The child starts with a copy of the parent's memory: it sees the values the parent had at fork().
TEST_F(RunInChild, ChildSeesTheParentsDataAsItWasAtTheFork) {
  const int value = 5;
  EXPECT_EQ(run_in_child([&value] { return value; }), 5);
}

// The child's write changes its own copy: the child sees it, the parent does not.
TEST_F(RunInChild, ChildsWriteIsNotSeenByTheParent) {
  int value = 1;
  const int seen_by_child = run_in_child([&value] {
    value = 2;
    return value;
  });
  EXPECT_EQ(seen_by_child, 2);
  EXPECT_EQ(value, 1) << "the write happened in the parent, not in a child";
}

// The result comes back through the pipe, whole: it could not travel as an exit code (0..255).
TEST_F(RunInChild, ResultTravelsThroughThePipe) {
  EXPECT_EQ(run_in_child([] { return 1'000'000; }), 1'000'000);
  EXPECT_EQ(run_in_child([] { return -42; }), -42);
}

// A child that exits before writing its result is reported with its exit code, not as a result.
TEST_F(RunInChild, ChildExitingWithoutAResultThrowsChildError) {
  const pid_t parent = ::getpid();
  try {
    const int result = run_in_child([parent]() -> int {
      if (::getpid() == parent) return -1;  // not in a child: _exit would end the test binary
      ::_exit(3);
    });
    FAIL() << "returned " << result << " for a child that sent nothing";
  } catch (const ChildError& error) {
    EXPECT_EQ(error.exit_code(), 3);
  }
}

// A target that throws ends its child with exit code 1, as a Python Process whose target raised.
TEST_F(RunInChild, ExceptionInTheTargetGivesExitCodeOne) {
  try {
    const int result = run_in_child([]() -> int { throw std::runtime_error("raised in the child"); });
    FAIL() << "returned " << result << " for a target that threw";
  } catch (const ChildError& error) {
    EXPECT_EQ(error.exit_code(), 1);
  }
}

// A child killed by a signal is reported as minus the signal, as Process.exitcode does.
TEST_F(RunInChild, ChildKilledBySignalGivesMinusTheSignal) {
  const pid_t parent = ::getpid();
  try {
    const int result = run_in_child([parent] {
      if (::getpid() != parent) ::raise(SIGKILL);  // only in a child: in the parent it would kill the tests
      return 0;
    });
    FAIL() << "returned " << result << " for a child that was killed";
  } catch (const ChildError& error) {
    EXPECT_EQ(error.exit_code(), -SIGKILL);
  }
}

// The child leaves with _exit(): it does not flush its copies of the parent's stdio buffers, so text
// the parent buffered before the fork is written once, by the parent.
TEST_F(RunInChild, ChildDoesNotFlushTheParentsBufferedOutput) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::setvbuf(file.get(), nullptr, _IOFBF, BUFSIZ), 0);
  ASSERT_GE(std::fputs("written once", file.get()), 0);  // still in this process's buffer
  EXPECT_EQ(run_in_child([] { return 7; }), 7);
  ASSERT_EQ(std::fflush(file.get()), 0);
  std::rewind(file.get());
  char text[64] = {};
  const std::size_t length = std::fread(text, 1, sizeof text - 1, file.get());
  EXPECT_EQ(std::string(text, length), "written once")
      << "the child flushed the parent's buffer too: it left with exit() (or returned) instead of _exit()";
}

// Lowers the soft limit on open descriptors for one scope, so that opening any descriptor fails.
class NoNewDescriptors {
 public:
  NoNewDescriptors() {
    if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw std::system_error(errno, std::generic_category(), "getrlimit");
    rlimit none = saved_;
    none.rlim_cur = 0;
    if (::setrlimit(RLIMIT_NOFILE, &none) != 0) throw std::system_error(errno, std::generic_category(), "setrlimit");
  }
  ~NoNewDescriptors() { (void)::setrlimit(RLIMIT_NOFILE, &saved_); }
  NoNewDescriptors(const NoNewDescriptors&) = delete;
  NoNewDescriptors& operator=(const NoNewDescriptors&) = delete;

 private:
  rlimit saved_{};
};

// When no pipe can be made, run_in_child throws std::system_error and leaves no child behind.
TEST_F(RunInChild, PipeFailureThrowsSystemError) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan checks that memory is readable by writing it into a pipe of its own, which the limit below
  // denies it: it then reports a false "invalid vptr". The ci and tsan builds run this test.
  GTEST_SKIP() << "the sanitizer runtime needs descriptors of its own";
#endif
  std::exception_ptr error;
  {
    const NoNewDescriptors limit;
    try {
      (void)run_in_child([] { return 0; });
    } catch (...) {
      error = std::current_exception();
    }
  }  // the limit is lifted here, before anything else needs a descriptor
  ASSERT_TRUE(error) << "run_in_child made no pipe, or did not report that it could not";
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& expected) {
    EXPECT_EQ(expected.code().value(), EMFILE) << expected.what();
  }
}

// The child's copy is taken at fork() and does not follow the parent: a write the parent makes after
// the fork is not seen by the child. (A thread of the parent writes while run_in_child() waits; the
// child reads its copy only after that write, ordered by two pipes.)
TEST_F(RunInChild, ParentsWriteAfterTheForkIsNotSeenByTheChild) {
  const pid_t parent = ::getpid();
  int value = 1;
  threadlings::Pipe forked = threadlings::make_pipe();   // child -> parent's thread: "I exist"
  threadlings::Pipe changed = threadlings::make_pipe();  // parent's thread -> child: "value is changed"
  std::thread changer([&] {
    std::byte token{};
    if (threadlings::read_full(forked.read_end.get(), std::span(&token, 1)) != 1) return;  // no child came
    value = 2;
    threadlings::write_all(changed.write_end.get(), std::span(&token, 1));
  });
  int seen_by_child = 0;
  std::exception_ptr error;
  try {
    seen_by_child = run_in_child([&] {
      if (::getpid() == parent) return -1;  // not in a child: waiting for the changer would hang
      std::byte token{};
      threadlings::write_all(forked.write_end.get(), std::span(&token, 1));
      (void)threadlings::read_full(changed.read_end.get(), std::span(&token, 1));
      return value;  // the child's copy
    });
  } catch (...) {
    error = std::current_exception();
  }
  forked.write_end.reset();  // if no child ever wrote, the changer now sees end of file
  changer.join();
  if (error) std::rethrow_exception(error);
  EXPECT_EQ(value, 2) << "the parent's thread did not write";
  EXPECT_EQ(seen_by_child, 1) << "the child saw the parent's write after the fork";
}

}  // namespace
