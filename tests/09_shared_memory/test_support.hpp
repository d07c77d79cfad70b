// Helpers shared by lesson 09's tests: unique segment names, a fixture that also checks /dev/shm, and
// pipes through which forked children (threadlings::testing::ForkedChild) report and wait.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/unique_fd.hpp"

namespace lesson09_test {

/// Exit code of a forked child that returned into the test instead of leaving with _exit.
inline constexpr int kEscapedIntoTheTest = 99;

/// A segment name no other process uses: "/threadlings-09-<pid>-<counter>-<label>".
std::string unique_segment_name(const std::string& label);

/// The names in /dev/shm that this process's unique_segment_name() made (without the leading '/').
std::vector<std::string> segments_of_this_process();

/// Whether /proc/self/maps lists a mapping of the segment `name` (a file in /dev/shm).
bool is_mapped(const std::string& name);

/// NoLeaksTest (no unreaped child, no open descriptor) plus: no segment named by this process is left
/// in /dev/shm (a leftover fails the test and is unlinked), and a forked child that returns into the
/// test leaves at TearDown with kEscapedIntoTheTest instead of running the rest of the suite.
class SharedMemoryTest : public threadlings::testing::NoLeaksTest {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  pid_t owner_ = 0;
};

/// A pipe a child uses to say "I got here" and the parent waits on (no sleeping).
class Notice {
 public:
  Notice();
  /// In the child: sends one byte.
  void send();
  /// In the parent: waits for the byte; returns false if the child ended without sending it.
  bool wait();
  /// In the parent, after forking: closes the parent's write end so that a child that dies unannounced
  /// gives end of file instead of a hang.
  void close_write_end() { pipe_.write_end.reset(); }

 private:
  threadlings::Pipe pipe_;
};

/// A pipe that holds a child until the parent releases it (writes a byte or closes its end).
class Hold {
 public:
  Hold();
  /// In the child: closes its copy of the write end, then waits for the parent.
  void wait();
  /// In the parent: lets the child go on. Idempotent.
  void release() { pipe_.write_end.reset(); }

 private:
  threadlings::Pipe pipe_;
};

}  // namespace lesson09_test
