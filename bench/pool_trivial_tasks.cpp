// bench/pool_trivial_tasks.cpp: lesson 10's ThreadPoolExecutor running trivial tasks (a submit() and a
// Future per call, as concurrent.futures does) against two peers from oneTBB, when it was found at
// configure time:
//  - tbb::task_group, a work-stealing scheduler with no future per task, whose wait() runs the tasks
//    on the waiting thread itself: most never leave the core that made them;
//  - a task_arena's enqueue() with a std::promise per call: ThreadPoolExecutor's own contract (each
//    call runs on a worker thread, never on the submitter, and hands back a future), built from oneTBB.
// The pool is measured with Python's default worker count, min(32, CPUs + 4), and with one worker per
// CPU, as TBB uses. One iteration: submit 10 000 calls that do nothing, then wait for all of them;
// time per task.
//
//   build/bench/bench/pool_trivial_tasks [--benchmark_out=t.json --benchmark_out_format=json]
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "10_pools_and_futures/thread_pool.hpp"  // solutions/, through the lesson library
#include "bench.hpp"

#if defined(THREADLINGS_HAVE_TBB)
#include <future>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson10::Future;
using threadlings::lesson10::ThreadPoolExecutor;

constexpr std::int64_t kTasks = 10'000;
constexpr const char* kComparison = "trivial_tasks";

// Submits kTasks no-op calls to a pool of `workers` threads and waits for their futures, per iteration.
// The workers are started (and warm) before the timing starts, as TBB's are after its first use.
void run_pool(benchmark::State& state, std::size_t workers) {
  ThreadPoolExecutor pool(workers);
  (void)pool.map([](int x) { return x; }, std::vector<int>(workers * 4, 0));
  std::vector<Future<void>> futures;
  futures.reserve(static_cast<std::size_t>(kTasks));
  for (auto _ : state) {
    futures.clear();
    for (std::int64_t i = 0; i < kTasks; ++i) futures.push_back(pool.submit([] {}));
    for (const Future<void>& future : futures) future.result();
  }
}

void register_benchmarks() {
  const Options options{.min_time_seconds = 0.4, .unit = benchmark::kMillisecond, .ops_per_iteration = kTasks};
  threadlings::bench::describe(kComparison, "submit 10 000 calls that do nothing, then wait for all; time per task");

  const std::size_t python_default = ThreadPoolExecutor::default_max_workers();
  const std::size_t cpus = threadlings::lesson10::process_cpu_count();
  threadlings::bench::add(kComparison, Role::ours,
                          "lesson10::ThreadPoolExecutor(" + std::to_string(python_default) + " workers, default)", options,
                          [python_default](benchmark::State& state) { run_pool(state, python_default); });
  if (cpus != python_default) {
    threadlings::bench::add(kComparison, Role::ours,
                            "lesson10::ThreadPoolExecutor(" + std::to_string(cpus) + " workers, 1 per CPU)", options,
                            [cpus](benchmark::State& state) { run_pool(state, cpus); });
  }

#if defined(THREADLINGS_HAVE_TBB)
  threadlings::bench::add(kComparison, Role::peer, "tbb::task_group", options, [](benchmark::State& state) {
    {
      tbb::task_group warm_up;  // starts TBB's worker threads before the timing
      for (int i = 0; i < 64; ++i) warm_up.run([] {});
      warm_up.wait();
    }
    for (auto _ : state) {
      tbb::task_group group;
      for (std::int64_t i = 0; i < kTasks; ++i) group.run([] {});
      group.wait();
    }
  });
  const std::string arena_label =
      "tbb::task_arena(" + std::to_string(cpus) + ")::enqueue + std::promise";
  threadlings::bench::add(kComparison, Role::peer, arena_label, options, [cpus](benchmark::State& state) {
    // No slot reserved for this thread: it only submits and waits, as ThreadPoolExecutor's caller does.
    tbb::task_arena arena(static_cast<int>(cpus), 0);
    // The promises live in a vector made per iteration (each one allocates its shared state, as each
    // of our calls allocates its task); the task holds a pointer, because TBB runs a task as const.
    std::vector<std::promise<void>> promises;
    std::vector<std::future<void>> futures;
    futures.reserve(static_cast<std::size_t>(kTasks));
    const auto submit_all = [&](std::int64_t count) {
      futures.clear();
      promises = std::vector<std::promise<void>>(static_cast<std::size_t>(count));
      for (std::promise<void>& done : promises) {
        futures.push_back(done.get_future());
        arena.enqueue([promise = &done] { promise->set_value(); });
      }
      for (const std::future<void>& future : futures) future.wait();
    };
    submit_all(64);  // starts the arena's workers before the timing
    for (auto _ : state) submit_all(kTasks);
  });
#else
  threadlings::bench::add_missing(kComparison, Role::peer, "tbb::task_group",
                                  "oneTBB was not found at configure time (Debian: libtbb-dev)");
  threadlings::bench::add_missing(kComparison, Role::peer, "tbb::task_arena::enqueue + std::promise",
                                  "oneTBB was not found at configure time (Debian: libtbb-dev)");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "pool_trivial_tasks: lesson 10's ThreadPoolExecutor against oneTBB's task_group and "
                                      "task_arena, 10 000 trivial tasks at a time");
}
