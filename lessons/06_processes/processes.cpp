// Lesson 06 demo: the Python examples with processes (fork and spawn), what the spawn start method
// needs from main(), and forking while another thread holds a lock, shown without hanging.
//
//   build/student/demos/exercise/06_processes/processes [--quick] [--trace processes.json]
#include <chrono>
#include <filesystem>
#include <iostream>
#include <latch>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include "process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/spawn_entry.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::lesson06::Process;
using threadlings::lesson06::SpawnTarget;

// Each line goes out in one write of its own: two processes share the terminal, and a line flushed
// whole is never cut in two by the other's.
void say(const std::string& text) { std::cout << ("  " + text + "\n") << std::flush; }

// --- Spawn entries: what a fresh run of this program can be asked to do, by name. ---

// The seeds' compute_prime(limit): the primes up to `limit`, by trial division.
void compute_prime(std::string_view args) {
  const int limit = std::stoi(std::string(args));
  std::string primes;
  for (int n = 2; n <= limit; ++n) {
    bool prime = true;
    for (int d = 2; d * d <= n; ++d) prime = prime && n % d != 0;
    if (prime) primes += (primes.empty() ? "" : ", ") + std::to_string(n);
  }
  say("Process 1 - Prime numbers: [" + primes + "]   (pid " + std::to_string(::getpid()) + ", a fresh program)");
}
THREADLINGS_SPAWN_ENTRY(compute_prime);

// The seeds' compute_factorial(num).
void compute_factorial(std::string_view args) {
  const int num = std::stoi(std::string(args));
  unsigned long long factorial = 1;
  for (int i = 1; i <= num; ++i) factorial *= static_cast<unsigned long long>(i);
  say("Process 2 - Factorial: " + std::to_string(factorial) + "   (pid " + std::to_string(::getpid()) + ", a fresh program)");
}
THREADLINGS_SPAWN_ENTRY(compute_factorial);

// A fresh program's mutexes are fresh: this one can be taken, whatever the parent's threads hold.
std::mutex shared_lock;
void lock_the_mutex(std::string_view) {
  const std::scoped_lock lock(shared_lock);
  say("spawned child: took the mutex at once (a fresh program, a fresh unlocked mutex)");
}
THREADLINGS_SPAWN_ENTRY(lock_the_mutex);

// Runs `body` in a forked child that records into its copy of `trace` and saves it to a file of its
// own; merge_child_trace() brings those events back after the join.
std::filesystem::path part_file(const threadlings::DemoOptions& options, pid_t pid) {
  return options.trace->string() + "." + std::to_string(pid) + ".part";
}
void merge_child_trace(const threadlings::DemoOptions& options, threadlings::TraceRecorder& trace, Process& child) {
  if (!options.trace || child.exitcode() != 0) return;
  trace.merge_events_from(part_file(options, *child.pid()));
  std::filesystem::remove(part_file(options, *child.pid()));
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  trace.name_process("parent");
  trace.name_thread("main");
  const std::chrono::milliseconds step = options.quick ? 1ms : 200ms;

  std::cout << "1. The Python example, with processes (start method fork): print_numbers and print_letters.\n";
  auto printer = [&](const std::string& who, const std::string& items) {
    return [&options, &trace, step, who, items] {
      trace.name_process(who);
      {
        auto span = trace.span(who == "Process 1" ? "print_numbers" : "print_letters");
        for (const char item : items) {
          say(who + ": " + item + "   (pid " + std::to_string(::getpid()) + ")");
          std::this_thread::sleep_for(step);
        }
      }
      if (options.trace) trace.save(part_file(options, ::getpid()));
    };
  };
  Process process1(printer("Process 1", "01234"));
  Process process2(printer("Process 2", "abcde"));
  process1.start();
  process2.start();
  process1.join();
  process2.join();
  merge_child_trace(options, trace, process1);
  merge_child_trace(options, trace, process2);
  std::cout << "  Multiprocessing finished. exit codes " << *process1.exitcode() << " and " << *process2.exitcode()
            << "; the parent is pid " << ::getpid() << ".\n\n";

  std::cout << "2. The second Python example, with the spawn start method: each child is this program, run again.\n";
  Process primes(SpawnTarget{"compute_prime", "50"});     // Process(target=compute_prime, args=(50,))
  Process factorial(SpawnTarget{"compute_factorial", "5"});  // Process(target=compute_factorial, args=(5,))
  {
    auto span = trace.span("spawn compute_prime + compute_factorial");
    primes.start();
    factorial.start();
    primes.join();
    factorial.join();
  }
  std::cout << "  Multiprocessing finished. Each child ran `processes " << threadlings::kSpawnFlag
            << " ENTRY FD`: its main() called\n"
               "  run_spawned_child_if_requested() first, ran the entry and ended there, never reaching this\n"
               "  demo's code. That is the job of Python's `if __name__ == '__main__':`. A spawned Python child\n"
               "  imports the main module, and without the guard it would start processes of its own, again.\n\n";

  std::cout << "3. fork() while another thread holds a lock.\n";
  std::mutex held;
  std::latch locked(1), let_go(1);
  std::jthread holder([&] {
    const std::scoped_lock lock(held);
    say("holder thread: has the mutex, and keeps it until told to let go");
    locked.count_down();
    let_go.wait();
  });
  locked.wait();
  Process stuck([&held] {
    held.lock();  // the child's copy is locked, and its owner was not copied: this waits forever
    held.unlock();
  });
  stuck.start();
  const auto limit = options.quick ? 20ms : 500ms;
  const bool ended = stuck.join(limit);
  say("forked child that calls lock(): join(" + std::to_string(limit.count()) + " ms) -> " + (ended ? "true" : "false") +
      ", is_alive() = " + (stuck.is_alive() ? "true" : "false") + ": it is stuck for good");
  stuck.kill();
  stuck.join();
  say("kill() -> exit code " + std::to_string(*stuck.exitcode()) + " (SIGKILL); nothing else would have ended it");
  {
    const std::scoped_lock lock(shared_lock);  // the parent holds this one while it spawns
    Process spawned(SpawnTarget{"lock_the_mutex", ""});
    spawned.start();
    spawned.join();
    say("spawn instead: exit code " + std::to_string(*spawned.exitcode()));
  }
  let_go.count_down();
  holder.join();
  say("or fork before starting threads, or take the locks around the fork with pthread_atfork (see the README)");

  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv,
                               "Lesson 06: processes with fork and spawn, and fork with a held lock", demo);
}
