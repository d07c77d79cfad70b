#include "threadlings/testing/thread_state.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

namespace threadlings::testing {

std::vector<pid_t> thread_ids() {
  std::vector<pid_t> ids;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ids.push_back(static_cast<pid_t>(std::stol(it->path().filename().string())));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::size_t thread_count() { return thread_ids().size(); }

std::optional<pid_t> thread_started_since(const std::vector<pid_t>& before) {
  for (const pid_t id : thread_ids()) {
    if (std::find(before.begin(), before.end(), id) == before.end()) return id;
  }
  return std::nullopt;
}

pid_t current_tid() noexcept { return ::gettid(); }

namespace {

// The state letter of /proc/self/task/<tid>/stat: "tid (comm) S ..."; 0 when the thread is gone.
char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : char{0};
}

}  // namespace

bool wait_until_blocked(pid_t tid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const char state = thread_state(tid);
    if (state == 0) return false;
    if (state == 'S' || state == 'D') return true;
    std::this_thread::yield();  // observe again; no guessed sleep
  }
  return false;
}

}  // namespace threadlings::testing
