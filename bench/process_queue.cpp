// bench/process_queue.cpp: lesson 08's ProcessQueue against CPython's multiprocessing.Queue. One
// iteration moves 50 000 ints from a forked producer process to the parent, the child's start
// included on both sides (as a program that starts a worker and collects its results pays it).
// CPython runs in a python3 started per iteration, which times itself with time.perf_counter(), so
// the interpreter's own start-up is not counted (Google Benchmark is told that time). Without python3
// the peer is reported missing.
//
//   build/bench/bench/process_queue [--benchmark_out=p.json --benchmark_out_format=json]
#include <cstdint>
#include <iostream>
#include <string>

#include <sys/types.h>
#include <unistd.h>

#include "08_queues/cpython_queue.hpp"   // lessons/: the CPython program the lesson's demo times too
#include "08_queues/process_queue.hpp"  // solutions/, through the lesson library
#include "bench.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/python_runner.hpp"

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson08::ProcessQueue;

constexpr std::int64_t kItems = 50'000;
constexpr long long kExpectedSum = kItems * (kItems - 1) / 2;
constexpr const char* kComparison = "process_queue_1p1c";

void run_ours(benchmark::State& state) {
  for (auto _ : state) {
    ProcessQueue queue;
    std::cout.flush();  // a forked child inherits unflushed output: flush first, or it prints twice
    const pid_t child = ::fork();
    if (child < 0) {
      state.SkipWithError("fork failed");
      return;
    }
    if (child == 0) {
      for (std::int64_t i = 0; i < kItems; ++i) queue.put_value(static_cast<long long>(i));
      ::_exit(0);
    }
    long long sum = 0;
    for (std::int64_t i = 0; i < kItems; ++i) sum += queue.get_value<long long>();
    const int status = threadlings::wait_for_child(child);
    if (sum != kExpectedSum || status != 0) {
      state.SkipWithError("the producer failed or items were lost");
      return;
    }
  }
}

void run_cpython(benchmark::State& state) {
  for (auto _ : state) {
    const auto seconds = threadlings::python_seconds(lesson08_cpython::kQueueScript, {std::to_string(kItems)});
    if (!seconds) {
      state.SkipWithError("python3 failed while running the comparison");
      return;
    }
    state.SetIterationTime(*seconds);
  }
}

void register_benchmarks() {
  threadlings::bench::describe(kComparison,
                               "a forked child puts 50 000 ints, the parent gets them (child start included); time per item");
  threadlings::bench::add(kComparison, Role::ours, "lesson08::ProcessQueue",
                          Options{.min_time_seconds = 0.3, .unit = benchmark::kMillisecond, .ops_per_iteration = kItems},
                          run_ours);
  const threadlings::PythonRun probe = threadlings::run_python("import multiprocessing");
  if (!probe.output) {
    threadlings::bench::add_missing(kComparison, Role::peer, "CPython multiprocessing.Queue", probe.why_not);
    return;
  }
  threadlings::bench::add(kComparison, Role::peer, "CPython multiprocessing.Queue",
                          Options{.min_time_seconds = 0.5,
                                  .unit = benchmark::kMillisecond,
                                  .ops_per_iteration = kItems,
                                  .manual_time = true},
                          run_cpython);
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "process_queue: lesson 08's ProcessQueue against CPython's multiprocessing.Queue, "
                                      "one producer process and one consumer");
}
