// bench/process_start_join.cpp: what starting and joining one child process costs with lesson 06's
// Process, for both start methods, against the raw calls underneath: fork()+waitpid() and
// posix_spawn()+waitpid(). Every child does nothing and exits with status 0. A spawned child is this
// same executable started again, so both spawn sides pay the same exec and dynamic loading.
//
//   build/bench/bench/process_start_join [--benchmark_out=p.json --benchmark_out_format=json]
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "06_processes/process.hpp"  // solutions/, through the lesson library
#include "bench.hpp"
#include "threadlings/spawn_entry.hpp"

extern char** environ;  // NOLINT: POSIX's, for posix_spawn

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson06::Process;
using threadlings::lesson06::SpawnTarget;

// The spawned child of lesson 06's spawn start method: read the (empty) arguments, return.
void bench_do_nothing(std::string_view /*args*/) {}
THREADLINGS_SPAWN_ENTRY(bench_do_nothing);

// waitpid() that retries EINTR; false (with errno) when it fails or the child did not exit with 0.
bool reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void register_benchmarks() {
  const Options options{.min_time_seconds = 0.4, .unit = benchmark::kMicrosecond};

  threadlings::bench::describe("fork_start_join", "fork a child that exits at once, then wait for it; time per child");
  threadlings::bench::add("fork_start_join", Role::ours, "lesson06::Process (fork)", options, [](benchmark::State& state) {
    for (auto _ : state) {
      Process child([] {});
      child.start();
      child.join();
    }
  });
  threadlings::bench::add("fork_start_join", Role::peer, "fork+waitpid", options, [](benchmark::State& state) {
    for (auto _ : state) {
      const pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      if (pid < 0 || !reap(pid)) {
        state.SkipWithError((std::string("fork/waitpid: ") + std::strerror(errno)).c_str());
        break;
      }
    }
  });

  threadlings::bench::describe("spawn_start_join",
                               "start this program again as a child that exits at once, then wait for it; time per child");
  threadlings::bench::add("spawn_start_join", Role::ours, "lesson06::Process (spawn)", options, [](benchmark::State& state) {
    for (auto _ : state) {
      Process child(SpawnTarget{"bench_do_nothing", ""});
      child.start();
      child.join();
    }
  });
  threadlings::bench::add("spawn_start_join", Role::peer, "posix_spawn+waitpid", options, [](benchmark::State& state) {
    std::string program = "process_start_join";
    std::string flag(threadlings::bench::kExitAtOnceFlag);  // main() exits at once, before anything else
    char* child_argv[] = {program.data(), flag.data(), nullptr};
    for (auto _ : state) {
      pid_t pid = -1;
      const int error = ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, child_argv, environ);
      if (error != 0 || !reap(pid)) {
        state.SkipWithError((std::string("posix_spawn/waitpid: ") + std::strerror(error != 0 ? error : errno)).c_str());
        break;
      }
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "process_start_join: lesson 06's Process (fork and spawn) against fork() and "
                                      "posix_spawn() with waitpid()");
}
