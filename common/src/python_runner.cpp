// run_python(): python3 as a child process whose stdout comes back through a pipe.
#include "threadlings/python_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "threadlings/child_process.hpp"
#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

extern char** environ;

namespace threadlings {
namespace {

// posix_spawn_file_actions_t as a resource: destroyed however the caller is left.
class SpawnActions {
 public:
  SpawnActions() {
    if (const int error = ::posix_spawn_file_actions_init(&actions_); error != 0) {
      throw std::runtime_error(std::string("posix_spawn_file_actions_init: ") + std::strerror(error));
    }
  }
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

// Reaps a child however the function that started it is left; exit_code() reaps it early.
class ChildReaper {
 public:
  explicit ChildReaper(pid_t pid) noexcept : pid_(pid) {}
  ~ChildReaper() {
    if (pid_ > 0) {
      try {
        (void)wait_for_child(pid_);
      } catch (...) {  // ECHILD: nothing left to reap, and a destructor must not throw
      }
    }
  }
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;
  int exit_code() { return exit_code_from_status(wait_for_child(std::exchange(pid_, -1))); }

 private:
  pid_t pid_;
};

}  // namespace

PythonRun run_python(std::string_view script, const std::vector<std::string>& arguments) {
  Pipe out = make_pipe();
  SpawnActions actions;
  // The child's stdout becomes the pipe's write end (dup2 clears close-on-exec on the copy).
  ::posix_spawn_file_actions_adddup2(actions.get(), out.write_end.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(actions.get(), STDERR_FILENO, "/dev/null", O_WRONLY, 0);

  std::vector<std::string> words{"python3", "-c", std::string(script)};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  const int error = ::posix_spawnp(&pid, "python3", actions.get(), nullptr, argv.data(), environ);
  out.write_end.reset();  // only the child's copy remains: its exit is our end of file
  if (error != 0) {
    return {std::nullopt, error == ENOENT ? "python3 is not on PATH" : std::string("posix_spawnp: ") + std::strerror(error)};
  }
  ChildReaper child(pid);
  std::string output;
  std::array<std::byte, 4096> buffer{};
  for (;;) {
    const std::size_t got = read_full(out.read_end.get(), buffer);
    output.append(reinterpret_cast<const char*>(buffer.data()), got);
    if (got < buffer.size()) break;
  }
  if (const int code = child.exit_code(); code != 0) {
    return {std::nullopt, "python3 exited with code " + std::to_string(code)};
  }
  return {std::move(output), {}};
}

std::optional<double> python_seconds(std::string_view script, const std::vector<std::string>& arguments) {
  const PythonRun run = run_python(script, arguments);
  if (!run.output) return std::nullopt;
  char* end = nullptr;
  const double seconds = std::strtod(run.output->c_str(), &end);
  if (end == run.output->c_str()) return std::nullopt;
  return seconds;
}

}  // namespace threadlings
