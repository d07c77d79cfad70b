// Helpers shared by lesson 06's tests: a fixture that also stops an escaped child, pipes that let the
// test decide when a child ends and carry a result back, and a wait that leaves the child unreaped.
#pragma once

#include <cerrno>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/io.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace lesson06_test {

/// The exit code of a forked child that came back out of Process::start() into the test instead of
/// leaving with _exit: it would otherwise run the rest of the test suite a second time.
inline constexpr int kEscapedIntoTheTest = 99;

/// Tests that start processes: NoLeaksTest's checks (no unreaped child, no open descriptor), plus a
/// stop for a child that returned into the test. Such a child reaches this TearDown at the end of the
/// test it escaped into and leaves there with kEscapedIntoTheTest, which its parent sees as the
/// exit code, instead of going on to the next test.
class ProcessTest : public threadlings::testing::NoLeaksTest {
 protected:
  void SetUp() override {
    owner_ = ::getpid();
    NoLeaksTest::SetUp();
  }
  void TearDown() override {
    if (::getpid() != owner_) ::_exit(kEscapedIntoTheTest);
    NoLeaksTest::TearDown();
  }

 private:
  pid_t owner_ = 0;
};

/// A pipe that holds a forked child until the test opens it: the child calls wait() (from the
/// target), the test calls open() when the child may end. Closing the test's end also opens it, so a
/// test that fails half-way can not leave the child waiting forever (see OpenOnExit).
class Gate {
 public:
  /// In the child: closes the child's copy of the write end (else the child would hold the pipe open
  /// itself), then blocks until the test writes a byte or closes its end.
  void wait() {
    pipe_.write_end.reset();
    std::byte byte{};
    (void)threadlings::read_full(pipe_.read_end.get(), std::span(&byte, 1));
  }
  /// In the test: lets the child go on. Idempotent, and safe from several threads at once.
  void open() {
    std::call_once(opened_, [this] { pipe_.write_end.reset(); });
  }

 private:
  threadlings::Pipe pipe_ = threadlings::make_pipe();
  std::once_flag opened_;
};

/// Opens `gate` when the scope ends: declared after the Process that waits on the gate, it runs
/// before that Process's destructor, which would otherwise wait for a child that waits for the gate.
class OpenOnExit {
 public:
  explicit OpenOnExit(Gate& gate) : gate_(gate) {}
  ~OpenOnExit() { gate_.open(); }
  OpenOnExit(const OpenOnExit&) = delete;
  OpenOnExit& operator=(const OpenOnExit&) = delete;

 private:
  Gate& gate_;
};

/// Opens `gate` from a thread of its own as soon as thread `tid` is blocked (in a join, a destructor),
/// so that "it waits for the child" can be observed without sleeping. Joins that thread when destroyed.
class OpenWhenBlocked {
 public:
  OpenWhenBlocked(pid_t tid, Gate& gate)
      : thread_([tid, &gate] {
          (void)threadlings::testing::wait_until_blocked(tid);
          gate.open();
        }) {}

 private:
  std::jthread thread_;
};

/// One int from a forked child back to the test.
class ResultPipe {
 public:
  /// In the child.
  void send(int value) {
    threadlings::write_all(pipe_.write_end.get(), std::as_bytes(std::span(&value, 1)));
  }
  /// In the test, after the child has ended: the value it sent, or nothing if it sent none.
  [[nodiscard]] std::optional<int> receive() {
    pipe_.write_end.reset();  // our copy: end of file comes once the child's copy is gone too
    int value = 0;
    const std::size_t got = threadlings::read_full(pipe_.read_end.get(), std::as_writable_bytes(std::span(&value, 1)));
    return got == sizeof value ? std::optional<int>(value) : std::nullopt;
  }

 private:
  threadlings::Pipe pipe_ = threadlings::make_pipe();
};

/// Blocks until child `pid` has ended, without reaping it (waitid with WNOWAIT): the test then knows
/// the child is over and can check that the Process notices and reaps it by itself.
inline void wait_until_ended_unreaped(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitid WNOWAIT");
  }
}

}  // namespace lesson06_test
