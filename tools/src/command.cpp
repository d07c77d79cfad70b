#include "command.hpp"

#include <array>
#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/unique_fd.hpp"

extern char** environ;

namespace threadlings::cli {

CommandResult run_command(const std::vector<std::string>& argv) {
  Pipe pipe = make_pipe();
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));  // posix_spawn's C signature
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe.write_end.get(), STDERR_FILENO);
  pid_t child = 0;
  const int error = ::posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::system_error(error, std::generic_category(), "cannot run " + argv.front());
  pipe.write_end.reset();  // or the read below never sees end of file

  CommandResult result;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t got = ::read(pipe.read_end.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.output.append(buffer.data(), static_cast<std::size_t>(got));
  }
  result.exit_code = exit_code_from_status(wait_for_child(child));
  return result;
}

}  // namespace threadlings::cli
