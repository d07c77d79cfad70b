// Tests of lesson 06's spawn start method (a fresh run of this program, a named entry, arguments as
// bytes), and of forking while another thread holds a lock: the pitfall and the safe patterns.
#include "process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "test_support.hpp"
#include "threadlings/spawn_entry.hpp"
#include "threadlings/testing/release_when_blocked.hpp"
#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using threadlings::lesson06::Process;
using threadlings::lesson06::SpawnTarget;
using threadlings::lesson06::StartMethod;
using threadlings::testing::Signal;

// 200 000 bytes: more than a pipe holds at once (64 KiB), with NUL and newline bytes among them, and a
// period (251) that is not a power of two, so that a lost or repeated chunk shows.
std::string pattern_bytes() {
  std::string bytes(200'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i % 251);
  return bytes;
}

// Set by a test before it starts a child: a forked child has this value, a spawned one starts from 0.
int parent_marker = 0;

// Held by a thread of the parent while the parent starts a child.
std::mutex held_in_parent;

// Locked by the pthread_atfork prepare handler, unlocked on both sides of the fork.
std::mutex guarded_by_atfork;

// Exit code 0 when `lock` could be taken, 3 when it is locked.
[[noreturn]] void exit_with_lock_state(std::mutex& lock) {
  const bool taken = lock.try_lock();
  if (taken) lock.unlock();
  ::_exit(taken ? 0 : 3);
}

// --- Spawn entries: plain functions, registered by name (what a fresh program can find). ---

void exit_with_code_in_args(std::string_view args) { ::_exit(std::stoi(std::string(args))); }
THREADLINGS_SPAWN_ENTRY(exit_with_code_in_args);

// Exit code 0 when the arguments are exactly pattern_bytes(); 3 when the length is right but a byte
// differs; 4 when the length is wrong.
void check_pattern_args(std::string_view args) {
  const std::string expected = pattern_bytes();
  if (args.size() != expected.size()) ::_exit(4);
  if (args != expected) ::_exit(3);
}
THREADLINGS_SPAWN_ENTRY(check_pattern_args);

void exit_with_parent_marker(std::string_view) { ::_exit(parent_marker); }
THREADLINGS_SPAWN_ENTRY(exit_with_parent_marker);

void throw_an_error(std::string_view) { throw std::runtime_error("expected by the test: a failing spawn entry"); }
THREADLINGS_SPAWN_ENTRY(throw_an_error);

// Runs until a signal ends it: the test decides when, with terminate() or kill().
void wait_for_a_signal(std::string_view) {
  for (;;) ::pause();
}
THREADLINGS_SPAWN_ENTRY(wait_for_a_signal);

// Writes one byte to the descriptor whose number is in `args` (inherited from the test), to say "I am
// running the entry", then runs until a signal ends it.
void report_running_then_wait(std::string_view args) {
  const int fd = std::stoi(std::string(args));
  const char byte = 'r';
  (void)!::write(fd, &byte, 1);
  ::close(fd);
  for (;;) ::pause();
}
THREADLINGS_SPAWN_ENTRY(report_running_then_wait);

void exit_with_held_lock_state(std::string_view) { exit_with_lock_state(held_in_parent); }
THREADLINGS_SPAWN_ENTRY(exit_with_held_lock_state);

class SpawnedChild : public lesson06_test::ProcessTest {};
class ForkWithThreads : public lesson06_test::ProcessTest {};

// Holds held_in_parent on a thread of its own from construction until destruction.
class LockHolder {
 public:
  explicit LockHolder(std::mutex& lock)
      : thread_([this, &lock] {
          const std::scoped_lock hold(lock);
          locked_.notify();
          release_.wait();
        }) {
    locked_.wait();
  }
  ~LockHolder() { release(); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  void release() {
    if (!release_.notified()) release_.notify();
  }
  Signal& release_signal() { return release_; }

 private:
  Signal locked_;
  Signal release_;
  std::jthread thread_;  // last: starts once the signals exist
};

// The spawned child runs the registered entry with the parent's argument bytes.
TEST_F(SpawnedChild, RunsTheEntryWithItsArguments) {
  Process process(SpawnTarget{"exit_with_code_in_args", "42"});
  EXPECT_EQ(process.start_method(), StartMethod::spawn);
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 42);
}

// The arguments arrive byte for byte: any length, NUL and newline bytes included.
TEST_F(SpawnedChild, PassesTheArgumentsByteForByte) {
  Process process(SpawnTarget{"check_pattern_args", pattern_bytes()});
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0) << "3: a byte differs; 4: the length differs";
}

// A spawned child is a fresh run of the program: none of the parent's memory comes along.
TEST_F(SpawnedChild, StartsFromAFreshProgram) {
  parent_marker = 7;
  Process spawned(SpawnTarget{"exit_with_parent_marker", ""});
  Process forked([] { ::_exit(parent_marker); });
  spawned.start();
  forked.start();
  spawned.join();
  forked.join();
  parent_marker = 0;
  EXPECT_EQ(spawned.exitcode(), 0) << "the spawned child saw the parent's value: was it forked?";
  EXPECT_EQ(forked.exitcode(), 7);
}

// An entry that throws gives exit code 1, as a forked target that throws does.
TEST_F(SpawnedChild, EntryThatThrowsExitsWithOne) {
  Process process(SpawnTarget{"throw_an_error", ""});
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 1);
}

// A name nobody registered can not run in a fresh program: start() says so before any child exists.
TEST_F(SpawnedChild, UnregisteredEntryThrowsBeforeAnyChildExists) {
  Process process(SpawnTarget{"no_such_entry", ""});
  EXPECT_THROW(process.start(), std::invalid_argument);
  EXPECT_FALSE(process.pid().has_value());
  EXPECT_TRUE(threadlings::testing::unreaped_children().empty());
}

// The child is this same executable, run again with the spawn protocol's command line.
TEST_F(SpawnedChild, RunsThisProgramAgainWithTheEntryOnItsCommandLine) {
  // The child says when it runs its entry (its command line is complete only once exec has finished,
  // which can be after posix_spawn returns), through a write end it inherits: not close-on-exec.
  threadlings::Pipe running = threadlings::make_pipe();
  ASSERT_EQ(::fcntl(running.write_end.get(), F_SETFD, 0), 0);
  Process process(SpawnTarget{"report_running_then_wait", std::to_string(running.write_end.get())});
  process.start();
  running.write_end.reset();
  char byte = 0;
  const bool reported = threadlings::read_full(running.read_end.get(), std::as_writable_bytes(std::span(&byte, 1))) == 1;

  const std::string proc = "/proc/" + std::to_string(*process.pid());
  std::ifstream cmdline_file(proc + "/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)), std::istreambuf_iterator<char>());
  std::error_code error;
  const auto executable = std::filesystem::read_symlink(proc + "/exe", error);
  process.kill();
  process.join();
  ASSERT_TRUE(reported) << "the child ended before it ran the entry; exit code " << process.exitcode().value_or(0);
  EXPECT_EQ(executable, std::filesystem::read_symlink("/proc/self/exe"));
  std::string arguments(threadlings::kSpawnFlag);
  arguments.append(1, '\0').append("report_running_then_wait").append(1, '\0');
  EXPECT_NE(cmdline.find(arguments), std::string::npos) << "argv[1] and argv[2] are the spawn flag and the entry name";
  EXPECT_EQ(process.exitcode(), -SIGKILL);
}

// terminate() ends a spawned child too: exit code -15.
TEST_F(SpawnedChild, TerminateEndsASpawnedChild) {
  Process process(SpawnTarget{"wait_for_a_signal", ""});
  process.start();
  EXPECT_TRUE(process.is_alive());
  process.terminate();
  process.join();
  EXPECT_EQ(process.exitcode(), -SIGTERM);
}

// The pitfall: fork copies memory, locks included, but only the calling thread. A lock another
// thread held at the fork stays locked in the child forever: nobody there will ever unlock it.
TEST_F(ForkWithThreads, ALockHeldByAnotherThreadStaysLockedInTheChild) {
  LockHolder holder(held_in_parent);
  Process process([] { exit_with_lock_state(held_in_parent); });
  process.start();
  process.join();
  holder.release();
  EXPECT_EQ(process.exitcode(), 3) << "the child's copy of the mutex should be locked";
}

// Safe pattern: spawn. A fresh program has fresh, unlocked locks, whatever the parent's threads hold.
TEST_F(ForkWithThreads, SpawnedChildHasItsOwnUnlockedLock) {
  LockHolder holder(held_in_parent);
  Process process(SpawnTarget{"exit_with_held_lock_state", ""});
  process.start();
  process.join();
  holder.release();
  EXPECT_EQ(process.exitcode(), 0);
}

// Safe pattern: pthread_atfork. Its prepare handler takes the lock before fork() (waiting for the
// holder to let go), and both sides release it afterwards, so the child's copy is unlocked.
TEST_F(ForkWithThreads, AtforkHandlersGiveTheChildAnUnlockedLock) {
  // Handlers can not be removed: registered once per test binary; harmless to other tests, since
  // nobody else holds this mutex.
  static const int registered = ::pthread_atfork([] { guarded_by_atfork.lock(); },
                                                 [] { guarded_by_atfork.unlock(); },
                                                 [] { guarded_by_atfork.unlock(); });
  ASSERT_EQ(registered, 0);
  LockHolder holder(guarded_by_atfork);
  // fork() now waits in the prepare handler until the holder lets go: let go once this thread waits.
  const threadlings::testing::ReleaseWhenBlocked releaser(threadlings::testing::current_tid(), holder.release_signal());
  Process process([] { exit_with_lock_state(guarded_by_atfork); });
  process.start();
  process.join();
  EXPECT_EQ(process.exitcode(), 0);
}

}  // namespace
