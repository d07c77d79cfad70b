#include "threadlings/child_process.hpp"

#include <cerrno>
#include <system_error>

#include <sys/wait.h>

namespace threadlings {

int wait_for_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waitpid");
    }
  }
  return status;
}

int exit_code_from_status(int status) noexcept {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return status;  // stopped or continued: not an exit, returned raw so the caller can see it
}

}  // namespace threadlings
