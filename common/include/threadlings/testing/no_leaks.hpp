#pragma once
/// @file
/// A fixture that fails a test which leaves a child process, a file descriptor or a POSIX shared-memory
/// object behind.

#include <set>
#include <string>
#include <string_view>
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

/// The POSIX shared-memory objects (names in /dev/shm, without the leading '/') that this process
/// owns by the course's naming rule: the name starts with "threadlings-" and has this process's pid as
/// one of its '-'-separated parts, e.g. "threadlings-4711-3-counter". Other processes' objects (ctest
/// runs tests in parallel) are not listed.
[[nodiscard]] std::set<std::string> own_shared_memory_objects();

/// A name for a shared-memory object that follows that rule and is unique in this process:
/// "/threadlings-<pid>-<counter>-<tag>". `tag` says what it is for, in messages and in /dev/shm.
[[nodiscard]] std::string unique_shared_memory_name(std::string_view tag);

/// Base fixture for tests that fork, spawn or open descriptors or shared memory. TearDown() fails the
/// test, naming each leak, when a child is still unreaped, a descriptor opened during the test is still
/// open, or a shared-memory object the test created (see own_shared_memory_objects) is still linked;
/// then it cleans up (kills and reaps the child, closes the descriptor, unlinks the object) so one leak
/// does not poison the next test.
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
  std::set<std::string> shared_memory_before_;
};

}  // namespace threadlings::testing
