#include "threadlings/testing/forked_child.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <system_error>
#include <thread>

#include <sys/prctl.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"

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
  const std::optional<int> status = wait_for_child_for(pid_, timeout);
  if (!status) return std::nullopt;
  reaped_ = true;
  return exit_code_from_status(*status);
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
