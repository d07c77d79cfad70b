// Tests of lesson 06's Process with the fork start method: start, join, join(timeout), is_alive,
// exitcode, terminate/kill, reaping, and how the child leaves.
#include "process.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include "test_support.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;
using lesson06_test::Gate;
using lesson06_test::OpenOnExit;
using lesson06_test::OpenWhenBlocked;
using lesson06_test::ResultPipe;
using lesson06_test::wait_until_ended_unreaped;
using threadlings::lesson06::Process;
using threadlings::lesson06::ProcessError;
using threadlings::lesson06::StartMethod;
using threadlings::testing::current_tid;
using threadlings::testing::unreaped_children;

class ProcessBasics : public lesson06_test::ProcessTest {};
class ProcessJoin : public lesson06_test::ProcessTest {};
class ProcessIsAlive : public lesson06_test::ProcessTest {};
class ProcessSignals : public lesson06_test::ProcessTest {};
class ProcessLifetime : public lesson06_test::ProcessTest {};
class ForkedChild : public lesson06_test::ProcessTest {};

// pid() is empty before start(), and afterwards names the child (the pid the child sees as its own).
TEST_F(ProcessBasics, PidIsEmptyBeforeStartThenTheChildsOwn) {
  ResultPipe result;
  Process process([&] { result.send(static_cast<int>(::getpid())); });
  EXPECT_FALSE(process.pid().has_value());
  process.start();
  process.join();
  ASSERT_TRUE(process.pid().has_value());
  EXPECT_NE(*process.pid(), ::getpid());
  EXPECT_EQ(result.receive(), *process.pid());
}

// exitcode() is empty before start() and while the child runs (Python's None).
TEST_F(ProcessBasics, ExitcodeIsEmptyBeforeStartAndWhileRunning) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  EXPECT_FALSE(process.exitcode().has_value());
  process.start();
  EXPECT_FALSE(process.exitcode().has_value()) << "the child is still waiting at the gate";
  gate.open();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// A target that returns gives exit code 0.
TEST_F(ProcessBasics, ExitcodeIsZeroWhenTheTargetReturns) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
  EXPECT_EQ(process.start_method(), StartMethod::fork);
}

// A target that throws gives exit code 1, as an uncaught exception in a Python target does.
TEST_F(ProcessBasics, ExitcodeIsOneWhenTheTargetThrows) {
  Process process([] { throw std::runtime_error("expected by the test: a failing target"); });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 1);
}

// A target that calls _exit(N) gives exit code N.
TEST_F(ProcessBasics, ExitcodeIsTheCodeGivenToUnderscoreExit) {
  Process process([] { ::_exit(7); });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 7);
}

// A child killed by signal S has exit code -S.
TEST_F(ProcessBasics, ExitcodeIsMinusTheSignalThatKilledTheChild) {
  Process process([] { ::kill(::getpid(), SIGUSR2); });  // SIGUSR2's default action ends the process
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGUSR2);
}

// exitcode() looks at the child itself: once the child has ended it is set, with no join() first.
TEST_F(ProcessBasics, ExitcodeIsSetOnceTheChildHasEndedWithoutJoin) {
  Process process([] { ::_exit(5); });
  process.start();
  wait_until_ended_unreaped(*process.pid());
  EXPECT_EQ(process.exitcode(), 5);
  EXPECT_TRUE(unreaped_children().empty()) << "exitcode() saw the end, so it reaps the child";
}

// A second start() throws ProcessError and starts no second child.
TEST_F(ProcessBasics, StartTwiceThrows) {
  Process process([] {});
  process.start();
  EXPECT_THROW(process.start(), ProcessError);
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// join() before start() is a misuse; so is join(timeout).
TEST_F(ProcessBasics, JoinBeforeStartThrows) {
  Process process([] {});
  EXPECT_THROW(process.join(), ProcessError);
  EXPECT_THROW((void)process.join(1ms), ProcessError);
}

// The child's copy of the Process can not join: only the parent can wait for its child.
TEST_F(ProcessBasics, JoinFromTheChildThrows) {
  std::unique_ptr<Process> process;
  process = std::make_unique<Process>([&process] {
    try {
      process->join();
    } catch (const ProcessError&) {
      ::_exit(42);  // the expected refusal
    }
    ::_exit(3);
  });
  process->start();
  process->join();
  EXPECT_EQ(process->exitcode(), 42);
}

// join() reaps: right after it returns there is no zombie left.
TEST_F(ProcessJoin, JoinReapsTheChild) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_TRUE(unreaped_children().empty()) << "join() returned but left a zombie";
}

// join() waits for a child that is still running.
TEST_F(ProcessJoin, JoinWaitsForTheChild) {
  Gate gate;
  ResultPipe result;
  Process process([&] {
    gate.wait();
    result.send(1);
  });
  const OpenOnExit open_on_exit(gate);
  process.start();
  const OpenWhenBlocked opener(current_tid(), gate);  // the child may finish once this thread waits
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
  EXPECT_EQ(result.receive(), 1);
}

// join(timeout) on a child that is still running gives up and reports false; the child runs on.
TEST_F(ProcessJoin, JoinWithTimeoutReturnsFalseWhileRunning) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  EXPECT_FALSE(process.join(1ms));
  EXPECT_TRUE(process.is_alive());
  EXPECT_FALSE(process.exitcode().has_value());
  gate.open();
  process.join();
}

// join(timeout) returns true as soon as the child ends; the timeout is only a limit.
TEST_F(ProcessJoin, JoinWithTimeoutReturnsTrueOnceEnded) {
  Process process([] {});
  process.start();
  EXPECT_TRUE(process.join(1h));
  EXPECT_EQ(process.exitcode(), 0);
  EXPECT_TRUE(unreaped_children().empty()) << "join(timeout) returned true but left a zombie";
}

// A negative timeout means "do not wait", as in Python: false for a running child, no exception.
TEST_F(ProcessJoin, JoinWithNegativeTimeoutDoesNotWait) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  EXPECT_FALSE(process.join(-1s));
  gate.open();
  process.join();
}

// Installs a handler for `signal` without SA_RESTART (so that a blocking call it interrupts fails
// with EINTR) and puts the previous disposition back when destroyed.
class InterruptingHandler {
 public:
  InterruptingHandler(int signal, void (*handler)(int)) : signal_(signal) {
    struct sigaction action {};
    action.sa_handler = handler;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    if (::sigaction(signal_, &action, &previous_) != 0) throw std::runtime_error("sigaction failed");
  }
  ~InterruptingHandler() { ::sigaction(signal_, &previous_, nullptr); }
  InterruptingHandler(const InterruptingHandler&) = delete;
  InterruptingHandler& operator=(const InterruptingHandler&) = delete;

 private:
  int signal_;
  struct sigaction previous_ {};
};

std::atomic<int> signals_handled{0};
extern "C" void count_signal(int) { signals_handled.fetch_add(1); }

// A signal handled while join() waits interrupts the wait (EINTR); join() must wait on, not fail.
TEST_F(ProcessJoin, JoinRetriesWhenASignalInterruptsIt) {
  const InterruptingHandler handler(SIGUSR1, count_signal);
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  const pid_t main_tid = current_tid();
  const pthread_t main_thread = ::pthread_self();
  std::jthread interrupter([&] {
    // Several rounds, each once the main thread is blocked (in join, if all is well), so that at
    // least one signal lands in the wait itself.
    for (int round = 0; round < 20; ++round) {
      if (!threadlings::testing::wait_until_blocked(main_tid)) break;
      const int before = signals_handled.load();
      ::pthread_kill(main_thread, SIGUSR1);
      while (signals_handled.load() == before) std::this_thread::yield();
    }
    gate.open();
  });
  EXPECT_NO_THROW(process.join());
  interrupter.join();
  EXPECT_EQ(process.exitcode(), 0);
}

// is_alive() is false before start(), true while the child runs, false once it has ended.
TEST_F(ProcessIsAlive, IsAliveOnlyWhileTheChildRuns) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  EXPECT_FALSE(process.is_alive());
  process.start();
  EXPECT_TRUE(process.is_alive());
  gate.open();
  wait_until_ended_unreaped(*process.pid());
  EXPECT_FALSE(process.is_alive()) << "the child has ended (it is a zombie until reaped)";
}

// is_alive() on a child that has ended reaps it, as Python's does: no zombie, and exitcode() is set.
TEST_F(ProcessIsAlive, IsAliveReapsAChildThatEnded) {
  Process process([] { ::_exit(3); });
  process.start();
  wait_until_ended_unreaped(*process.pid());
  EXPECT_FALSE(process.is_alive());
  EXPECT_TRUE(unreaped_children().empty()) << "is_alive() saw the end but left a zombie";
  EXPECT_EQ(process.exitcode(), 3);
}

// terminate() sends SIGTERM: the child ends with exit code -15.
TEST_F(ProcessSignals, TerminateEndsTheChildWithMinusSigterm) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  process.terminate();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGTERM);
}

// kill() sends SIGKILL: the child ends with exit code -9.
TEST_F(ProcessSignals, KillEndsTheChildWithMinusSigkill) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  process.kill();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGKILL);
}

// terminate() from another thread goes ahead while join() waits, and ends that wait: join() does not
// hold the Process's lock while it waits.
TEST_F(ProcessSignals, TerminateFromAnotherThreadEndsAJoinInProgress) {
  Gate gate;
  Process process([&] { gate.wait(); });
  const OpenOnExit open_on_exit(gate);
  process.start();
  const pid_t main_tid = current_tid();
  std::jthread terminator([&] {
    (void)threadlings::testing::wait_until_blocked(main_tid);  // in join(), if all is well
    process.terminate();
  });
  process.join();
  terminator.join();
  EXPECT_EQ(process.exitcode(), -SIGTERM);
}

// Once the child is reaped, terminate() and kill() do nothing: its pid may already be someone else's.
TEST_F(ProcessSignals, TerminateAndKillAfterTheEndDoNothing) {
  Process process([] {});
  process.start();
  process.join();
  EXPECT_NO_THROW(process.terminate());
  EXPECT_NO_THROW(process.kill());
  EXPECT_EQ(process.exitcode(), 0);
}

// terminate() and kill() before start() are misuses.
TEST_F(ProcessSignals, TerminateAndKillBeforeStartThrow) {
  Process process([] {});
  EXPECT_THROW(process.terminate(), ProcessError);
  EXPECT_THROW(process.kill(), ProcessError);
}

// Destroying a Process whose child still runs waits for the child to end (it is not killed), then
// reaps it.
TEST_F(ProcessLifetime, DestructorWaitsForARunningChild) {
  Gate gate;
  ResultPipe result;
  std::unique_ptr<OpenWhenBlocked> opener;  // destroyed after the Process: it opens the gate meanwhile
  {
    Process process([&] {
      gate.wait();
      result.send(42);
    });
    process.start();
    opener = std::make_unique<OpenWhenBlocked>(current_tid(), gate);
  }
  EXPECT_EQ(result.receive(), 42) << "the child did not finish its work: was it killed?";
  EXPECT_TRUE(unreaped_children().empty()) << "the destructor left a zombie";
  opener.reset();
}

// Destroying a Process whose child has ended, without a join, reaps it: no zombie.
TEST_F(ProcessLifetime, DestructorReapsAChildThatEnded) {
  pid_t pid = 0;
  {
    Process process([] {});
    process.start();
    pid = *process.pid();
    wait_until_ended_unreaped(pid);
  }
  EXPECT_TRUE(unreaped_children().empty()) << "child " << pid << " was left a zombie";
}

// A forked child runs on a copy of the parent's memory: it sees the parent's values, and its own
// writes stay in its copy.
TEST_F(ForkedChild, RunsOnACopyOfTheParentsMemory) {
  int value = 7;
  Process process([&value] {
    value += 1;
    ::_exit(value);
  });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 8) << "the child did not see the parent's 7";
  EXPECT_EQ(value, 7) << "the child's write reached the parent";
}

// The child leaves with _exit: a FILE buffer it inherited is the parent's to write, not the child's
// too (exit() would flush the child's copy, and the text would appear twice).
TEST_F(ForkedChild, LeavesInheritedStdioBuffersToTheParent) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  std::unique_ptr<FILE, int (*)(FILE*)> file(::fdopen(pipe.write_end.get(), "w"), &std::fclose);
  ASSERT_NE(file, nullptr);
  (void)pipe.write_end.release();  // the FILE owns the descriptor now
  std::setvbuf(file.get(), nullptr, _IOFBF, 4096);
  std::fputs("once", file.get());  // sits in the buffer: nothing is written yet

  Process process([] {});
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);

  file.reset();  // fclose: writes "once" and closes the write end, so the reader sees end of file
  std::string text(64, '\0');
  text.resize(threadlings::read_full(pipe.read_end.get(), std::as_writable_bytes(std::span(text))));
  EXPECT_EQ(text, "once");
}

// A target that returns normally still ends its child inside start(): the test goes on in the parent
// only (an escaped child would run the rest of this test and leave with kEscapedIntoTheTest).
TEST_F(ForkedChild, NeverReturnsIntoTheCaller) {
  const pid_t parent = ::getpid();
  Process process([] {});
  process.start();
  if (::getpid() != parent) ::_exit(lesson06_test::kEscapedIntoTheTest);
  process.join();
  EXPECT_EQ(process.exitcode(), 0) << "exit code " << lesson06_test::kEscapedIntoTheTest
                                   << " means the child returned from start() into the test";
}

}  // namespace
