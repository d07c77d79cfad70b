// Lesson 01 demo: are two threads of one process really executing at the same instant? Measured, not
// argued: CPU time / wall time of CPU-bound work, one thread, two threads, then two processes.
//
//   build/reference/demos/solution/01_threads_and_processes/parallel [--quick] [--trace parallel.json]
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "forked_child.hpp"
#include "sharing.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

namespace {

using lesson01_demo::ForkedChild;

// CPU time consumed so far, in seconds: by every thread of this process (RUSAGE_SELF), or by every
// child that has been reaped (RUSAGE_CHILDREN).
double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Deliberately CPU-bound, like the Python notes' compute_prime: counts primes below `limit` by trial
// division, and notes every CPU the calling thread was seen running on.
std::uint64_t count_primes(std::uint64_t limit, std::set<int>& cpus) {
  std::uint64_t count = 0;
  for (std::uint64_t n = 2; n < limit; ++n) {
    bool prime = true;
    for (std::uint64_t d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = false;
        break;
      }
    }
    count += prime ? 1U : 0U;
    if (n % 4096 == 0) cpus.insert(::sched_getcpu());
  }
  return count;
}

std::string cpu_list(const std::set<int>& cpus) {
  std::string text;
  for (const int cpu : cpus) text += (text.empty() ? "" : ", ") + std::to_string(cpu);
  return text;
}

void report(const std::string& what, double wall, double cpu) {
  std::cout << "  " << std::left << std::setw(30) << what << std::right << std::fixed << std::setprecision(3)
            << "wall " << wall << " s, CPU " << cpu << " s   CPU time / wall time = " << std::setprecision(1)
            << cpu / wall << '\n'
            << std::defaultfloat;
}

// Runs count_primes(limit) on `threads` threads at once; reports times and where each thread ran.
// Returns the count (the same in every thread).
std::uint64_t run_threads(unsigned threads, std::uint64_t limit, threadlings::TraceRecorder& trace) {
  std::vector<std::set<int>> cpus(threads);
  std::vector<pid_t> tids(threads);
  std::vector<std::uint64_t> found(threads);  // printed below, so the compiler cannot skip the work
  std::vector<std::thread> workers;
  const double cpu_before = cpu_seconds(RUSAGE_SELF);
  const threadlings::Stopwatch wall;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      tids[t] = ::gettid();
      trace.name_thread("thread " + std::to_string(t + 1) + " of " + std::to_string(threads));
      auto span = trace.span("count primes below " + std::to_string(limit));
      found[t] = count_primes(limit, cpus[t]);
    });
  }
  for (auto& worker : workers) worker.join();
  report(std::to_string(threads) + (threads == 1 ? " thread:" : " threads, same work each:"),
         wall.elapsed_seconds(), cpu_seconds(RUSAGE_SELF) - cpu_before);
  for (unsigned t = 0; t < threads; ++t) {
    std::cout << "    thread tid " << tids[t] << " found " << found[t] << " primes, running on CPU "
              << cpu_list(cpus[t]) << '\n';
  }
  return found.front();
}

// The same work in `processes` forked children; their CPU time is counted once they are reaped.
void run_processes(unsigned processes, std::uint64_t limit, std::uint64_t expected,
                   threadlings::TraceRecorder& trace, const threadlings::DemoOptions& options) {
  const double cpu_before = cpu_seconds(RUSAGE_CHILDREN);
  const threadlings::Stopwatch wall;
  std::vector<std::unique_ptr<ForkedChild>> children;
  for (unsigned p = 0; p < processes; ++p) {
    children.push_back(std::make_unique<ForkedChild>(trace, options.trace, [&trace, limit, expected, p] {
      trace.name_process("process " + std::to_string(p + 1) + " (forked child)");
      trace.name_thread("its only thread");
      auto span = trace.span("count primes below " + std::to_string(limit));
      std::set<int> cpus;
      // The count leaves the child only as its exit status: 0 if it is right (and the work was done).
      return count_primes(limit, cpus) == expected ? 0 : 1;
    }));
  }
  for (auto& child : children) {
    if (child->wait() != 0) std::cout << "    process " << child->pid() << " counted wrong!\n";
  }
  report(std::to_string(processes) + " processes, same work each:", wall.elapsed_seconds(),
         cpu_seconds(RUSAGE_CHILDREN) - cpu_before);
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  trace.name_process("parent (the demo)");
  trace.name_thread("main");
  const std::uint64_t limit = options.quick ? 150'000 : 3'000'000;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const auto me = threadlings::lesson01::identify_this_thread();
  std::cout << "Counting primes below " << limit << " in each worker; pid " << me.pid << ", " << cores
            << " cores.\n"
               "CPU time adds up the time every thread spent executing; wall time is what a clock on the\n"
               "wall shows. A ratio near 1 means one thing executed at a time; near 2, two at once.\n\n";

  const std::uint64_t primes = run_threads(1, limit, trace);
  (void)run_threads(2, limit, trace);
  run_processes(2, limit, primes, trace, options);

  std::cout << "\nOn 2 idle cores both two-worker ratios come out near 2: two threads of ONE process execute\n"
               "at the same instant, on different CPUs. \"Threading occurs in a single core\" is true only\n"
               "of CPython threads running Python code, which take turns under the GIL (lesson 05); there\n"
               "the threads' ratio would stay near 1 while the processes' reached 2.\n"
               "(Other busy programs lower the ratio; the CPU numbers show where the OS put each thread.)\n";
  if (options.trace) {
    trace.save(*options.trace);
    std::cout << "\nTimeline written to " << options.trace->string()
              << " (open it in ui.perfetto.dev): the two threads' spans overlap in time.\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 01: do two threads execute at the same instant? (CPU time / wall time)",
                               demo);
}
