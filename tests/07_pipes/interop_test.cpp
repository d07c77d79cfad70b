// Tests of lesson 07's wire compatibility: a CPython process, using multiprocessing.connection's own
// Connection (tests/07_pipes/interop_peer.py), and the C++ Connection exchange messages both ways.
// Skipped, with the reason, when python3 is not on PATH: the course itself never needs Python.
#include "connection.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <unistd.h>

#include "test_support.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/unique_fd.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace {

using lesson07_test::bytes_of;
using lesson07_test::pattern;
using threadlings::UniqueFd;
using threadlings::lesson07::Connection;
using threadlings::lesson07::EOFError;
using threadlings::lesson07::Pipe;

// The python3 that a shell would run: the first executable "python3" in a directory of PATH.
std::optional<std::string> find_python3() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (true) {
    const auto colon = rest.find(':');
    std::string directory(rest.substr(0, colon));
    if (directory.empty()) directory = ".";
    std::string candidate = directory + "/python3";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

std::filesystem::path peer_script() { return std::filesystem::path(__FILE__).parent_path() / "interop_peer.py"; }

// The Python peer's process: started with `fds` as its descriptors 3, 4, ...; killed and reaped by the
// destructor unless wait() reaped it first, so that a failing test leaves no child behind.
class PythonPeer {
 public:
  PythonPeer(const std::string& python, const char* mode, std::initializer_list<int> fds) {
    // Copies numbered 100 and up first (close-on-exec, so only the dup2'd copies reach Python): a dup2
    // onto 3 must not overwrite a source that is still to be copied, and dup2 of a descriptor onto its
    // own number would leave its close-on-exec flag set.
    std::vector<UniqueFd> sources;
    for (const int fd : fds) {
      sources.emplace_back(::fcntl(fd, F_DUPFD_CLOEXEC, 100));
      if (!sources.back()) throw std::system_error(errno, std::generic_category(), "fcntl F_DUPFD_CLOEXEC");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int target = 3;
    for (const auto& source : sources) posix_spawn_file_actions_adddup2(&actions, source.get(), target++);
    std::string program = python;
    std::string script = peer_script().string();
    std::string mode_argument = mode;
    char* argv[] = {program.data(), script.data(), mode_argument.data(), nullptr};
    const int error = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::system_error(error, std::generic_category(), "posix_spawn " + program);
  }
  ~PythonPeer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)threadlings::wait_for_child(pid_);
    }
  }
  PythonPeer(const PythonPeer&) = delete;
  PythonPeer& operator=(const PythonPeer&) = delete;

  // Waits for the peer to end; returns its exit code (negative: killed by that signal).
  int wait() { return threadlings::exit_code_from_status(threadlings::wait_for_child(std::exchange(pid_, 0))); }

 private:
  pid_t pid_ = 0;
};

// Sends three messages (0 bytes, 5 bytes, 200 000 bytes: more than a pipe holds) and checks Python's
// echo of each, then lets Python send its own three, then expects a clean end of file.
void talk_to_python(Connection& to_python, Connection& from_python) {
  const std::vector<std::vector<std::byte>> ours{{}, bytes_of("hello"), pattern(200'000)};
  for (const auto& message : ours) {
    to_python.send_bytes(message);
    auto expected = bytes_of("echo:");
    expected.insert(expected.end(), message.rbegin(), message.rend());
    EXPECT_TRUE(from_python.recv_bytes() == expected) << "Python's echo of a " << message.size() << "-byte message differs";
  }
  to_python.send_bytes(std::string_view("your turn"));
  for (const std::size_t size : {0u, 5u, 100'000u}) {
    EXPECT_TRUE(from_python.recv_bytes() == pattern(size)) << "Python's " << size << "-byte message differs";
  }
  EXPECT_THROW((void)from_python.recv_bytes(), EOFError) << "Python closed its end: a clean end of file";
}

// Every test here starts a child process and hands it descriptors: all must be reaped and closed.
class Interop : public threadlings::testing::NoLeaksTest {};

// Over a duplex Pipe (a socket pair), CPython's Connection and ours understand each other both ways.
TEST_F(Interop, PythonTalksToUsOverADuplexPipe) {
  auto [ours, theirs] = Pipe();  // first, so that an unfinished exercise fails whether or not Python exists
  const auto python = find_python3();
  if (!python) GTEST_SKIP() << "python3 is not on PATH; this test needs CPython's multiprocessing.connection";
  ASSERT_TRUE(std::filesystem::exists(peer_script())) << peer_script() << " is missing";
  PythonPeer peer(*python, "socket", {theirs.fileno()});
  theirs.close();  // Python has its copy; ours must go, or Python's close would not be an end of file
  talk_to_python(ours, ours);
  ours.close();
  EXPECT_EQ(peer.wait(), 0) << "the Python peer failed (its traceback is above)";
}

// Over two one-way Pipes (real pipes), the same conversation works.
TEST_F(Interop, PythonTalksToUsOverTwoOneWayPipes) {
  auto [python_reads, we_write] = Pipe(false);
  auto [we_read, python_writes] = Pipe(false);
  const auto python = find_python3();
  if (!python) GTEST_SKIP() << "python3 is not on PATH; this test needs CPython's multiprocessing.connection";
  ASSERT_TRUE(std::filesystem::exists(peer_script())) << peer_script() << " is missing";
  PythonPeer peer(*python, "pipes", {python_reads.fileno(), python_writes.fileno()});
  python_reads.close();
  python_writes.close();  // else we would hold a write end of our own read pipe: no end of file, ever
  talk_to_python(we_write, we_read);
  we_write.close();
  we_read.close();
  EXPECT_EQ(peer.wait(), 0) << "the Python peer failed (its traceback is above)";
}

}  // namespace
