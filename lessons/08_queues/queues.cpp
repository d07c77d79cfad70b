// Lesson 08 demo: queue.Queue and multiprocessing.Queue in C++. Worker threads with task_done/join
// and shutdown; priorities; processes sharing a ProcessQueue; Python's documented join-before-get
// deadlock, shown without hanging, and its fix; then throughput: Queue<int> against oneTBB's
// concurrent_bounded_queue and moodycamel's BlockingConcurrentQueue, and ProcessQueue against
// CPython's multiprocessing.Queue (each peer only when it is installed).
//
//   build/student/demos/exercise/08_queues/queues [--quick] [--trace queues.json]
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process_queue.hpp"
#include "cpython_queue.hpp"
#include "queue.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

#if defined(THREADLINGS_HAVE_TBB)
#include <tbb/concurrent_queue.h>
#endif
#if defined(THREADLINGS_HAVE_MOODYCAMEL)
#include <concurrentqueue/blockingconcurrentqueue.h>
#endif

namespace {

using namespace std::chrono_literals;
using threadlings::Stopwatch;
using threadlings::lesson08::Prioritized;
using threadlings::lesson08::PriorityQueue;
using threadlings::lesson08::ProcessQueue;
using threadlings::lesson08::Queue;
using threadlings::lesson08::ShutDown;

// fork() that runs `body` in the child and leaves with _exit (never returning into the demo).
template <typename Body>
pid_t fork_child(Body body) {
  std::cout << std::flush;  // the child inherits a copy of unflushed output: flush first
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    int code = 1;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  return pid;
}

// 1. The worker-pool pattern of Python's queue docs: put jobs, workers get and task_done, join().
void workers_and_join(threadlings::TraceRecorder& trace) {
  std::cout << "1. queue.Queue: 3 worker threads, 12 jobs, task_done() and join(), then shutdown().\n";
  Queue<int> jobs(4);  // bounded: put() waits while 4 jobs wait
  std::array<int, 3> done_by{};
  std::vector<std::jthread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&, w] {
      try {
        while (true) {
          const int job = jobs.get();
          const auto span = trace.span("job " + std::to_string(job), "worker " + std::to_string(w));
          std::this_thread::sleep_for(1ms);  // the "work" (a demo may sleep: nothing waits on it)
          ++done_by[static_cast<std::size_t>(w)];
          jobs.task_done();
        }
      } catch (const ShutDown&) {
        // Python 3.13: get() on a shut-down, empty queue raises ShutDown: the worker's signal to stop.
      }
    });
  }
  for (int job = 0; job < 12; ++job) jobs.put(job);
  jobs.join();  // every job was marked done
  std::cout << "  join() returned: jobs done per worker " << done_by[0] << ", " << done_by[1] << ", "
            << done_by[2] << "\n";
  jobs.shutdown();  // the workers' blocked get()s throw ShutDown: no sentinel values needed
  workers.clear();  // joins them
  std::cout << "  shutdown(): every worker's get() threw ShutDown and the workers ended\n\n";
}

// 2. PriorityQueue: smallest first, equal priorities first in, first out.
void priorities() {
  std::cout << "2. queue.PriorityQueue with Python's PrioritizedItem recipe (priority only is compared).\n";
  PriorityQueue<Prioritized<std::string>> queue;
  for (const auto& [priority, name] : std::vector<std::pair<int, std::string>>{
           {2, "write report"}, {1, "fix outage"}, {2, "answer mail"}, {1, "call back"}, {3, "tidy desk"}}) {
    queue.put({priority, name});
  }
  std::cout << "  out:";
  while (!queue.empty()) {
    const auto item = queue.get();
    std::cout << "  " << item.priority << ":" << item.item;
  }
  std::cout << "\n  (heapq alone is not stable: Python's docs add an entry counter for ties; this queue has one)\n\n";
}

// 3. Producer and consumer processes on one ProcessQueue made before fork.
void processes() {
  std::cout << "3. multiprocessing.Queue: 2 producer and 2 consumer processes, one ProcessQueue(16).\n";
  ProcessQueue queue(16);
  ProcessQueue sums;
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {
    children.push_back(fork_child([&] {
      long long sum = 0;
      int count = 0;
      for (long long item = queue.get_value<long long>(); item != 0; item = queue.get_value<long long>()) {
        sum += item;
        ++count;
      }
      sums.put_string("consumer " + std::to_string(::getpid()) + " got " + std::to_string(count) +
                      " items, sum " + std::to_string(sum));
      return 0;
    }));
  }
  for (int p = 0; p < 2; ++p) {
    children.push_back(fork_child([&, p] {
      for (long long i = 1; i <= 1000; ++i) queue.put_value(p * 1000 + i);
      return 0;
    }));
  }
  for (int p = 2; p < 4; ++p) (void)threadlings::wait_for_child(children[static_cast<std::size_t>(p)]);
  queue.put_value(0LL);
  queue.put_value(0LL);  // one stop per consumer
  long long total = 0;
  for (int c = 0; c < 2; ++c) {
    const std::string line = sums.get_string();
    total += std::stoll(line.substr(line.rfind(' ') + 1));
    std::cout << "  " << line << "\n";
  }
  for (int c = 0; c < 2; ++c) (void)threadlings::wait_for_child(children[static_cast<std::size_t>(c)]);
  std::cout << "  total " << total << " (expected " << 2000LL * 2001 / 2 << "): every item arrived exactly once\n\n";
}

// 4. Python's "joining processes that use queues" deadlock, probed without hanging.
void join_before_get() {
  std::cout << "4. A child puts 1 MiB; the parent joins it before getting (Python's documented deadlock).\n";
  ProcessQueue queue;
  const std::vector<std::byte> big(1 << 20, std::byte{1});
  const pid_t child = fork_child([&] {
    queue.put_bytes(big);
    return 0;
  });
  int spins = 0;
  while (threadlings::process_state(child) != 'S' && spins < 10'000'000) ++spins;  // observed, not slept
  std::cout << "  the child's state in /proc: '" << threadlings::process_state(child) << "' (asleep in the kernel: its put "
            << "waits for room; the ring holds 64 KiB, as a pipe does)\n";
  const bool ended = threadlings::wait_for_child_for(child, 200ms).has_value();
  std::cout << "  join(timeout=0.2) in the parent: child " << (ended ? "ended (unexpected)" : "still alive")
            << "; a join() without timeout would wait for ever\n";
  const std::vector<std::byte> message = queue.get_bytes();  // the fix: get first ...
  const bool ended_now = threadlings::wait_for_child_for(child, 10s).has_value();  // ... then join
  std::cout << "  the fix, get() first: " << message.size() << " bytes arrived, then join() "
            << (ended_now ? "returned at once" : "timed out (unexpected)") << "\n\n";
}

// Items per second for one producer thread and the main thread consuming `count` ints.
template <typename Put, typename Get>
double one_to_one(long count, Put put, Get get) {
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    Stopwatch watch;
    std::jthread producer([&] {
      for (long i = 0; i < count; ++i) put(static_cast<int>(i));
    });
    long long sum = 0;
    for (long i = 0; i < count; ++i) sum += get();
    producer.join();
    const double rate = static_cast<double>(count) / watch.elapsed_seconds();
    if (sum != static_cast<long long>(count) * (count - 1) / 2) throw std::runtime_error("bench: items lost");
    best = std::max(best, rate);
  }
  return best;
}

void print_rate(const std::string& name, double rate, double ours) {
  std::cout << "  " << std::left << std::setw(44) << name << std::right << std::setw(8) << std::fixed
            << std::setprecision(2) << rate / 1e6 << " M items/s   Queue<int> / this: " << std::setprecision(2)
            << ours / rate << "x\n";
}

void thread_queue_bench(bool quick) {
  const long count = quick ? 50'000 : 2'000'000;
  std::cout << "5. Throughput, 1 producer thread / 1 consumer thread, " << count
            << " ints, best of 3 (ratio > 1: Queue<int> is faster).\n";
  Queue<int> ours;
  const double our_rate = one_to_one(count, [&](int i) { ours.put(i); }, [&] { return ours.get(); });
  std::cout << "  " << std::left << std::setw(44) << "Queue<int> (this lesson, unbounded)" << std::right << std::setw(8)
            << std::fixed << std::setprecision(2) << our_rate / 1e6 << " M items/s\n";
  Queue<int> bounded(1024);
  const double bounded_rate = one_to_one(count, [&](int i) { bounded.put(i); }, [&] { return bounded.get(); });
  print_rate("Queue<int>(1024) (bounded)", bounded_rate, our_rate);
#if defined(THREADLINGS_HAVE_TBB)
  tbb::concurrent_bounded_queue<int> tbb_queue;
  print_rate("tbb::concurrent_bounded_queue<int>", one_to_one(count, [&](int i) { tbb_queue.push(i); }, [&] {
               int v = 0;
               tbb_queue.pop(v);
               return v;
             }), our_rate);
#else
  std::cout << "  tbb::concurrent_bounded_queue: skipped (oneTBB not found at configure time: libtbb-dev)\n";
#endif
#if defined(THREADLINGS_HAVE_MOODYCAMEL)
  moodycamel::BlockingConcurrentQueue<int> moody;
  print_rate("moodycamel::BlockingConcurrentQueue<int>", one_to_one(count, [&](int i) { moody.enqueue(i); }, [&] {
               int v = 0;
               moody.wait_dequeue(v);
               return v;
             }), our_rate);
#else
  std::cout << "  moodycamel::BlockingConcurrentQueue: skipped (header not found: libconcurrentqueue-dev)\n";
#endif
  std::cout << "\n";
}

// CPython's multiprocessing.Queue doing what process_queue_rate() does: a forked producer process
// puts `count` ints, the parent gets them. Prints the seconds, measured inside Python (so the
// interpreter's start-up is not counted). Nothing when python3 is missing or fails.
std::optional<double> cpython_seconds(long count) {
  return threadlings::python_seconds(lesson08_cpython::kQueueScript, {std::to_string(count)});
}

double process_queue_seconds(long count) {
  double best = 1e9;
  for (int run = 0; run < 3; ++run) {
    ProcessQueue queue;
    Stopwatch watch;
    const pid_t child = fork_child([&] {
      for (long i = 0; i < count; ++i) queue.put_value(i);
      return 0;
    });
    long long sum = 0;
    for (long i = 0; i < count; ++i) sum += queue.get_value<long>();
    (void)threadlings::wait_for_child(child);
    best = std::min(best, watch.elapsed_seconds());
    if (sum != static_cast<long long>(count) * (count - 1) / 2) throw std::runtime_error("bench: items lost");
  }
  return best;
}

void process_queue_bench(bool quick) {
  const long count = quick ? 5'000 : 200'000;
  std::cout << "6. Throughput between processes: a forked child puts " << count << " ints, the parent gets them\n"
            << "   (child start-up included on both sides).\n";
  const double ours = process_queue_seconds(count);
  std::cout << "  ProcessQueue (this lesson)         " << std::fixed << std::setprecision(3) << ours * 1e3 << " ms, "
            << std::setprecision(2) << static_cast<double>(count) / ours / 1e6 << " M items/s\n";
  const auto python = cpython_seconds(count);
  if (!python) {
    std::cout << "  CPython multiprocessing.Queue: skipped (python3 not found or failed)\n\n";
    return;
  }
  std::cout << "  CPython multiprocessing.Queue      " << std::setprecision(3) << *python * 1e3 << " ms, "
            << std::setprecision(2) << static_cast<double>(count) / *python / 1e6 << " M items/s   ProcessQueue / CPython: "
            << std::setprecision(1) << *python / ours << "x\n\n";
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv,
      "Lesson 08: queue.Queue for threads, multiprocessing.Queue for processes, the join-before-get "
      "deadlock, and throughput against oneTBB, moodycamel and CPython.",
      [](const threadlings::DemoOptions& options) {
        threadlings::TraceRecorder trace;
        workers_and_join(trace);
        priorities();
        processes();
        join_before_get();
        thread_queue_bench(options.quick);
        process_queue_bench(options.quick);
        threadlings::save_trace(options, trace);
        return 0;
      });
}
