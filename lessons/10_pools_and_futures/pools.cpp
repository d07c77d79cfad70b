// Lesson 10 demo: concurrent.futures and multiprocessing.Pool in C++. Futures with callbacks and
// as_completed; the self-deadlock of a task that waits for another task in a full pool, shown
// without hanging, and its fix; then numbers: trivial-task throughput of ThreadPoolExecutor against
// oneTBB's task_group and CPython's ThreadPoolExecutor (each only when installed), and the process
// Pool's map over a CPU-bound function against a serial loop.
//
//   build/student/demos/exercise/10_pools_and_futures/pools [--quick] [--trace pools.json]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "futures.hpp"
#include "process_pool.hpp"
#include "thread_pool.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

#if defined(THREADLINGS_HAVE_TBB)
#include <tbb/task_group.h>
#endif

namespace {

using namespace std::chrono_literals;
using threadlings::Stopwatch;
using namespace threadlings::lesson10;

void futures_and_callbacks(threadlings::TraceRecorder& trace) {
  std::cout << "== Futures: submit, add_done_callback, as_completed ==\n";
  ThreadPoolExecutor pool(3);
  std::vector<Future<int>> futures;
  for (int n : {30, 10, 20}) {
    futures.push_back(pool.submit([&trace](int x) {
      const auto span = trace.span("call taking " + std::to_string(x) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(x));  // a stand-in for I/O taking x ms
      return x;
    }, n));
  }
  std::atomic<int> callbacks{0};
  for (auto& f : futures) f.add_done_callback([&](const Future<int>&) { ++callbacks; });
  std::cout << "  as_completed order:";
  for (const Future<int>& f : as_completed(futures, 10s)) std::cout << ' ' << f.result();
  std::cout << "   (submitted 30 10 20; shortest first)\n";
  std::cout << "  map keeps input order:";
  for (int v : pool.map([](int x) { return x * x; }, std::vector<int>{3, 1, 2})) std::cout << ' ' << v;
  pool.shutdown();
  std::cout << "\n  callbacks run: " << callbacks << " of 3\n\n";
}

void self_deadlock(threadlings::TraceRecorder& trace) {
  std::cout << "== Pitfall: a task that waits for another task in a full pool ==\n";
  for (std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
    ThreadPoolExecutor pool(workers);
    Future<std::string> outer = pool.submit([&pool, &trace, workers] {
      const auto span = trace.span("outer task, " + std::to_string(workers) + (workers == 1 ? " worker" : " workers"));
      Future<int> inner = pool.submit([&trace] {
        const auto inner_span = trace.span("inner task");
        return 42;
      });
      try {
        return "inner.result() = " + std::to_string(inner.result(200ms));
      } catch (const TimeoutError&) {
        return std::string("TimeoutError after 200 ms: the inner task never started (it waits for the worker the outer task holds)");
      }
    });
    std::cout << "  " << workers << " worker" << (workers == 1 ? ": " : "s: ") << outer.result() << '\n';
  }
  std::cout << "  fix: more workers than tasks that wait, or do not wait inside a task (chain with callbacks)\n\n";
}

double pool_seconds(long tasks) {
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    ThreadPoolExecutor pool;
    // Start the workers first, as TBB's arena is warm after its first use.
    (void)pool.map([](int x) { return x; }, std::vector<int>(pool.max_workers() * 4, 0));
    std::vector<Future<void>> futures;
    futures.reserve(static_cast<std::size_t>(tasks));
    Stopwatch watch;
    for (long i = 0; i < tasks; ++i) futures.push_back(pool.submit([] {}));
    for (const auto& f : futures) f.result();
    best = std::min(best, watch.elapsed_seconds());
  }
  return best;
}

#if defined(THREADLINGS_HAVE_TBB)
double tbb_seconds(long tasks) {
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    tbb::task_group group;
    Stopwatch watch;
    for (long i = 0; i < tasks; ++i) group.run([] {});
    group.wait();
    best = std::min(best, watch.elapsed_seconds());
  }
  return best;
}
#endif

// CPython's ThreadPoolExecutor doing what pool_seconds() does: submit `count` no-op calls and wait for
// all. Prints the seconds measured inside Python (start-up not counted). Nothing when python3 is
// missing or fails.
std::optional<double> cpython_seconds(long count) {
  constexpr std::string_view script =
      "import concurrent.futures as cf, sys, time\n"
      "n = int(sys.argv[1])\n"
      "def noop(): pass\n"
      "best = 1e9\n"
      "for _ in range(3):\n"
      "    with cf.ThreadPoolExecutor() as ex:\n"
      "        list(ex.map(lambda x: x, range(64)))\n"
      "        t0 = time.perf_counter(); fs = [ex.submit(noop) for _ in range(n)]\n"
      "        cf.wait(fs); best = min(best, time.perf_counter() - t0)\n"
      "print(best)\n";
  return threadlings::python_seconds(script, {std::to_string(count)});
}

void throughput(bool quick) {
  const long tasks = quick ? 2000 : 100000;
  std::cout << "== Trivial-task throughput: submit " << tasks << " no-op calls, wait for all ==\n";
  std::cout << std::fixed << std::setprecision(0);
  const double ours = pool_seconds(tasks);
  std::cout << "  ThreadPoolExecutor (" << ThreadPoolExecutor::default_max_workers()
            << " workers): " << static_cast<double>(tasks) / ours << " tasks/s\n";
#if defined(THREADLINGS_HAVE_TBB)
  const double tbb = tbb_seconds(tasks);
  std::cout << "  tbb::task_group:                  " << static_cast<double>(tasks) / tbb << " tasks/s\n";
  std::cout << std::setprecision(2) << "  ratio ThreadPoolExecutor / TBB: " << tbb / ours << "x\n";
#else
  std::cout << "  tbb::task_group: skipped (oneTBB not found: libtbb-dev; or a sanitizer build)\n";
#endif
  std::cout << std::setprecision(0);
  if (quick) {
    std::cout << "  CPython ThreadPoolExecutor: skipped in --quick (the interpreter's start-up dominates)\n";
  } else if (const std::optional<double> python = cpython_seconds(tasks)) {
    std::cout << "  CPython ThreadPoolExecutor:       " << static_cast<double>(tasks) / *python << " tasks/s\n";
    std::cout << std::setprecision(1) << "  ratio ThreadPoolExecutor / CPython: " << *python / ours << "x\n";
  } else {
    std::cout << "  CPython ThreadPoolExecutor: skipped (python3 not found or failed)\n";
  }
  std::cout << "  (a pool pays a lock, a queue entry and a future per call: batch tiny work into bigger tasks)\n\n";
}

// CPU-bound work for the process pool: count the primes below n by trial division.
long primes_below(const long& n) {
  long count = 0;
  for (long k = 2; k < n; ++k) {
    bool prime = true;
    for (long d = 2; d * d <= k; ++d) {
      if (k % d == 0) {
        prime = false;
        break;
      }
    }
    count += prime ? 1 : 0;
  }
  return count;
}

void process_pool(bool quick) {
  std::cout << "== multiprocessing.Pool.map: CPU-bound work in " << threadlings::lesson10::process_cpu_count()
            << " worker processes ==\n";
  const std::vector<long> items(quick ? 8 : 64, quick ? 20000 : 200000);
  Stopwatch serial_watch;
  long serial_total = 0;
  for (long n : items) serial_total += primes_below(n);
  const double serial = serial_watch.elapsed_seconds();
  Pool pool;
  Stopwatch pool_watch;
  long pool_total = 0;
  for (long v : pool.map(primes_below, items)) pool_total += v;
  const double parallel = pool_watch.elapsed_seconds();
  if (pool_total != serial_total) throw std::runtime_error("pool and serial loop disagree");
  std::cout << std::setprecision(3) << "  serial: " << serial << " s   Pool(" << pool.processes() << ").map: " << parallel
            << " s   speed-up " << std::setprecision(2) << serial / parallel << "x (chunksize "
            << Pool::default_chunksize(items.size(), pool.processes()) << ")\n\n";
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv,
      "Lesson 10: concurrent.futures (Future, ThreadPoolExecutor, as_completed) and multiprocessing.Pool.map; "
      "the self-deadlock of a task waiting in a full pool; throughput against oneTBB and CPython.",
      [](const threadlings::DemoOptions& options) {
        threadlings::TraceRecorder trace;  // who ran which call when, for --trace
        trace.name_thread("main");
        futures_and_callbacks(trace);
        self_deadlock(trace);
        process_pool(options.quick);  // before TBB starts its threads: fork copies only the caller
        throughput(options.quick);
        threadlings::save_trace(options, trace);
        return 0;
      });
}
