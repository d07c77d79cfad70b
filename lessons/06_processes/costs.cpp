// Lesson 06 demo: what a process costs, measured side by side in one run. Start+join of a thread, of
// a raw fork()+waitpid(), of Process with fork and with spawn; then a CPU-bound job on 1 and 2
// processes and 1 and 2 threads, against the seeds' "use only half the cores" and "processes are
// always better for CPU work".
//
//   build/student/demos/exercise/06_processes/costs [--quick] [--trace costs.json]
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <iomanip>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "process.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/io.hpp"
#include "threadlings/spawn_entry.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::lesson06::Process;
using threadlings::lesson06::process_cpu_count;
using threadlings::lesson06::SpawnTarget;

// The cheapest possible spawned child: run the program again and return at once.
void do_nothing(std::string_view) {}
THREADLINGS_SPAWN_ENTRY(do_nothing);

// The median of `rounds` runs of `once`, in microseconds (the median shrugs off a run that another
// program on the machine happened to slow down).
double median_microseconds(int rounds, const std::function<void()>& once) {
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    const threadlings::Stopwatch stopwatch;
    once();
    samples.push_back(stopwatch.elapsed_seconds() * 1e6);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

std::string fixed(double value, int digits) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

// The CPU-bound job: count the primes below `limit` by trial division. Worker `part` of `parts` takes
// every parts-th block of 1000 numbers, so that each gets as many large numbers as the others (a split
// by n % 2 would hand one worker all the even numbers, which are done at the first division).
long count_primes(long limit, long part, long parts) {
  constexpr long block = 1000;
  long count = 0;
  for (long start = part * block; start < limit; start += parts * block) {
    for (long n = std::max(start, 2L); n < std::min(start + block, limit); ++n) {
      bool prime = true;
      for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
      count += prime ? 1 : 0;
    }
  }
  return count;
}

// The job split over `parts` forked processes; each sends its count back through a pipe.
long primes_with_processes(long limit, long parts) {
  std::vector<threadlings::Pipe> pipes;
  std::vector<std::unique_ptr<Process>> children;
  for (long part = 0; part < parts; ++part) {
    pipes.push_back(threadlings::make_pipe());
    const int out = pipes.back().write_end.get();
    children.push_back(std::make_unique<Process>([limit, part, parts, out] {
      const long count = count_primes(limit, part, parts);
      threadlings::write_all(out, std::as_bytes(std::span(&count, 1)));
    }));
    children.back()->start();
    pipes.back().write_end.reset();  // the child has its copy
  }
  long total = 0;
  for (long part = 0; part < parts; ++part) {
    long count = 0;
    if (threadlings::read_full(pipes[static_cast<std::size_t>(part)].read_end.get(), std::as_writable_bytes(std::span(&count, 1))) !=
        sizeof count) {
      throw std::runtime_error("a worker process ended without its result");
    }
    total += count;
    children[static_cast<std::size_t>(part)]->join();
  }
  return total;
}

// The same job split over `parts` threads, which write their counts straight into the parent's memory.
long primes_with_threads(long limit, long parts) {
  std::vector<long> counts(static_cast<std::size_t>(parts));
  {
    std::vector<std::jthread> threads;
    for (long part = 0; part < parts; ++part) {
      threads.emplace_back([&counts, limit, part, parts] { counts[static_cast<std::size_t>(part)] = count_primes(limit, part, parts); });
    }
  }  // the jthreads join here
  long total = 0;
  for (const long count : counts) total += count;
  return total;
}

// The 1-minute load average: how many threads wanted a CPU, on average, over the last minute.
std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string first;
  file >> first;
  return first.empty() ? "unknown" : first;
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  std::cout << "Load average now: " << load_average() << " on " << std::thread::hardware_concurrency()
            << " CPUs. Other programs' work shows up in every number below; the speed-ups need an idle machine.\n\n";
  trace.name_thread("main");
  const int rounds = options.quick ? 5 : 200;
  const int spawn_rounds = options.quick ? 3 : 50;

  std::cout << "1. Start and join, median of " << rounds << " rounds (" << spawn_rounds << " for spawn), each child doing nothing:\n";
  double thread_us = 0, fork_us = 0, process_us = 0, spawn_us = 0;
  {
    auto span = trace.span("start+join: std::thread");
    thread_us = median_microseconds(rounds, [] { std::thread([] {}).join(); });
  }
  {
    auto span = trace.span("start+join: raw fork + waitpid");
    fork_us = median_microseconds(rounds, [] {
      std::fflush(nullptr);
      const pid_t pid = ::fork();
      if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
      if (pid == 0) ::_exit(0);
      (void)threadlings::wait_for_child(pid);
    });
  }
  {
    auto span = trace.span("start+join: Process (fork)");
    process_us = median_microseconds(rounds, [] {
      Process process([] {});
      process.start();
      process.join();
    });
  }
  {
    auto span = trace.span("start+join: Process (spawn)");
    spawn_us = median_microseconds(spawn_rounds, [] {
      Process process(SpawnTarget{"do_nothing", ""});
      process.start();
      process.join();
    });
  }
  std::cout << "  std::thread             " << std::setw(9) << fixed(thread_us, 1) << " us\n"
            << "  raw fork() + waitpid()  " << std::setw(9) << fixed(fork_us, 1) << " us   " << fixed(fork_us / thread_us, 1) << "x a thread\n"
            << "  Process, fork           " << std::setw(9) << fixed(process_us, 1) << " us   " << fixed(process_us / fork_us, 2)
            << "x raw fork (the pidfd, the ppoll, the flushes)\n"
            << "  Process, spawn          " << std::setw(9) << fixed(spawn_us, 1) << " us   " << fixed(spawn_us / process_us, 1)
            << "x Process fork, " << fixed(spawn_us / thread_us, 0) << "x a thread\n"
            << "  A C++ thread is the cheapest; fork copies page tables; spawn loads and starts a whole program.\n\n";

  const long limit = options.quick ? 20'000 : 3'000'000;
  std::cout << "2. A CPU-bound job (count the primes below " << limit << "), split over 1 and 2 workers.\n"
            << "   This process may use " << process_cpu_count() << " CPU(s) (process_cpu_count); the machine has "
            << std::thread::hardware_concurrency() << ".\n";
  struct Run {
    const char* what;
    long parts;
    std::function<long(long, long)> job;
    double seconds = 0;
    long primes = 0;
  };
  std::vector<Run> runs{{"1 process", 1, primes_with_processes},
                        {"2 processes", 2, primes_with_processes},
                        {"1 thread", 1, primes_with_threads},
                        {"2 threads", 2, primes_with_threads}};
  for (Run& run : runs) {
    auto span = trace.span(std::string(run.what));
    const threadlings::Stopwatch stopwatch;
    run.primes = run.job(limit, run.parts);
    run.seconds = stopwatch.elapsed_seconds();
  }
  for (const Run& run : runs) {
    std::cout << "  " << std::left << std::setw(12) << run.what << std::right << std::setw(8) << fixed(run.seconds * 1e3, 1) << " ms   (" << run.primes << " primes)\n";
  }
  std::cout << "  speed-up from 1 to 2 processes: " << fixed(runs[0].seconds / runs[1].seconds, 2)
            << "x; from 1 to 2 threads: " << fixed(runs[2].seconds / runs[3].seconds, 2)
            << "x; 2 processes take " << fixed(runs[1].seconds / runs[3].seconds, 2) << "x the time of 2 threads.\n"
            << "  Every core helps a CPU-bound job (\"use only half the cores\" is a rule of thumb for a machine\n"
               "  busy with other work, not a law), and C++ threads do it as well as processes: only CPython's\n"
               "  GIL makes processes the better tool there.\n";

  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 06: what threads and processes cost, measured", demo);
}
