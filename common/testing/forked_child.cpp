#include "threadlings/testing/forked_child.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::testing {

ForkedChild::ForkedChild(const std::function<int()>& body) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid_ == 0) {
    // If the test process dies without its destructors (a crash, ctest's kill), die with it: a child
    // blocked on something only the parent would release would otherwise wait for ever.
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kBodyThrew);  // the parent died before prctl
    int code = kBodyThrew;
    try {
      code = body();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), error.what());
    } catch (...) {
    }
    ::_exit(code);
  }
}

ForkedChild::~ForkedChild() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    (void)wait_for_child(pid_);
  }
}

int ForkedChild::join() {
  reaped_ = true;
  return exit_code_from_status(wait_for_child(pid_));
}

std::optional<int> ForkedChild::join(std::chrono::milliseconds timeout) {
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd) throw std::system_error(errno, std::generic_category(), "pidfd_open");
  pollfd ended{pidfd.get(), POLLIN, 0};
  int ready = 0;
  while ((ready = ::poll(&ended, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return std::nullopt;
  return join();
}

char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return '?';
  const auto close_paren = line.rfind(')');  // the name may contain spaces and parentheses
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return '?';
  return line[close_paren + 2];
}

bool wait_until_process_sleeping(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_state(pid) == 'S') return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace threadlings::testing
