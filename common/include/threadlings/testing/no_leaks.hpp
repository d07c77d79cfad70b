#pragma once
/// @file
/// A fixture that fails a test which leaves a child process or a file descriptor behind.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/types.h>

namespace threadlings::testing {

/// The descriptors open in this process right now (from /proc/self/fd).
[[nodiscard]] std::set<int> open_file_descriptors();

/// What descriptor `fd` refers to ("pipe:[1234]", "/tmp/x"), for messages.
[[nodiscard]] std::string describe_file_descriptor(int fd);

/// This process's children that have not been reaped yet: running ones and zombies.
[[nodiscard]] std::vector<pid_t> unreaped_children();

/// Base fixture for tests that fork, spawn or open descriptors. TearDown() fails the test, naming
/// each leak, when a child is still unreaped or a descriptor opened during the test is still open;
/// then it cleans up (kills and reaps the child, closes the descriptor) so one leak does not poison the
/// next test.
///
/// ```cpp
/// class ProcessTest : public threadlings::testing::NoLeaksTest {};
/// TEST_F(ProcessTest, JoinReapsTheChild) { ... }
/// ```
///
/// @threadsafety SetUp/TearDown run on the test's main thread, after the test's threads are joined.
class NoLeaksTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  std::set<int> fds_before_;
};

}  // namespace threadlings::testing
