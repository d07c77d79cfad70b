#include "timed_run.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/stopwatch.hpp"
#include "threadlings/unique_fd.hpp"

extern char** environ;

namespace threadlings::cli {
namespace {

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> merged;
  merged.reserve(extra.size() + 64);
  for (char** entry = environ; *entry != nullptr; ++entry) merged.emplace_back(*entry);
  // getenv() returns the first match, so the additions go first to override what we inherited.
  merged.insert(merged.begin(), extra.begin(), extra.end());
  return merged;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

TimedRunResult run_with_timeout(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                                std::chrono::milliseconds limit, std::size_t output_limit) {
  Pipe pipe = make_pipe();
  std::vector<std::string> args = argv;
  std::vector<std::string> env = merged_environment(environment);
  auto raw_args = c_strings(args);
  auto raw_env = c_strings(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe.write_end.get(), STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // its own group: killed as one
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t child = 0;
  const int error = ::posix_spawnp(&child, raw_args[0], &actions, &attributes, raw_args.data(), raw_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::system_error(error, std::generic_category(), "cannot run " + argv.front());
  pipe.write_end.reset();

  TimedRunResult result;
  Stopwatch stopwatch;
  bool timed_out = false;
  std::array<char, 8192> buffer{};
  for (;;) {
    const auto left = limit - std::chrono::duration_cast<std::chrono::milliseconds>(stopwatch.elapsed());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd entry{pipe.read_end.get(), POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked at the top
    const ssize_t got = ::read(pipe.read_end.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // end of file: the test and everything it started closed the pipe
    result.output.append(buffer.data(), static_cast<std::size_t>(got));
    if (result.output.size() > 2 * output_limit) result.output.erase(0, result.output.size() - output_limit);
  }
  if (timed_out) ::kill(-child, SIGKILL);  // the group: the test and any child it forked
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!timed_out) ::kill(-child, SIGKILL);  // leftovers of the group (a forked child still running)
  result.seconds = stopwatch.elapsed_seconds();
  if (result.output.size() > output_limit) result.output.erase(0, result.output.size() - output_limit);
  if (timed_out) {
    result.ending = TimedRunResult::Ending::kTimedOut;
  } else if (WIFSIGNALED(status)) {
    result.ending = TimedRunResult::Ending::kSignalled;
    result.code = WTERMSIG(status);
  } else {
    result.code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace threadlings::cli
