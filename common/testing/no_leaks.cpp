#include "threadlings/testing/no_leaks.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <dirent.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace threadlings::testing {

std::set<int> open_file_descriptors() {
  std::set<int> fds;
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return fds;
  const int own = ::dirfd(directory);  // the listing's own descriptor is not the test's
  while (const dirent* entry = ::readdir(directory)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    const int fd = std::stoi(std::string(name));
    if (fd != own) fds.insert(fd);
  }
  ::closedir(directory);
  return fds;
}

std::string describe_file_descriptor(int fd) {
  std::error_code error;
  const auto target = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), error);
  return error ? std::string("?") : target.string();
}

std::vector<pid_t> unreaped_children() {
  // /proc/<pid>/task/*/children needs CONFIG_PROC_CHILDREN, which not every kernel has; the parent
  // pid in every /proc/<pid>/stat works everywhere.
  std::vector<pid_t> children;
  const pid_t self = ::getpid();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // Format: pid (comm) state ppid ...; comm may contain spaces and ')', so parse after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == self) children.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return children;
}

std::set<std::string> own_shared_memory_objects() {
  std::set<std::string> names;
  const std::string pid = std::to_string(::getpid());
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("threadlings-")) continue;
    std::istringstream parts(name);
    for (std::string part; std::getline(parts, part, '-');) {
      if (part == pid) {
        names.insert(name);
        break;
      }
    }
  }
  return names;
}

std::string unique_shared_memory_name(std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  return "/threadlings-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::string(tag);
}

void NoLeaksTest::SetUp() {
  fds_before_ = open_file_descriptors();
  shared_memory_before_ = own_shared_memory_objects();
}

void NoLeaksTest::TearDown() {
  for (const pid_t child : unreaped_children()) {
    ADD_FAILURE() << "the test left child process " << child
                  << " unreaped (every fork/spawn needs a matching wait, also on the error path)";
    ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }
  const std::set<int> fds_after = open_file_descriptors();
  for (const int fd : fds_after) {
    if (fds_before_.count(fd) == 0) {
      ADD_FAILURE() << "the test left file descriptor " << fd << " (" << describe_file_descriptor(fd)
                    << ") open (own it with threadlings::UniqueFd)";
      ::close(fd);
    }
  }
  for (const std::string& name : own_shared_memory_objects()) {
    if (shared_memory_before_.count(name) == 0) {
      ADD_FAILURE() << "the test left shared-memory object /" << name
                    << " linked (every shm_open(O_CREAT) needs a matching shm_unlink, also on the error path)";
      ::shm_unlink(("/" + name).c_str());
    }
  }
}

}  // namespace threadlings::testing
