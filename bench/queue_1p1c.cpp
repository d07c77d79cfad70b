// bench/queue_1p1c.cpp: lesson 08's Queue<int> (one mutex, condition variables, Python's queue.Queue
// semantics) with one producer thread and one consumer thread, against oneTBB's
// concurrent_bounded_queue and moodycamel's BlockingConcurrentQueue (lock-free, with a semaphore for
// blocking). Each peer is measured only when it was found at configure time; otherwise the program
// says it is missing.
//   queue_unbounded:    no bound on the queue;
//   queue_bounded_1024: at most 1024 items wait, so the producer blocks when it runs ahead.
// One iteration: a producer thread puts 100 000 ints, the benchmark thread gets them all; time per item.
//
//   build/bench/bench/queue_1p1c [--benchmark_out=q.json --benchmark_out_format=json]
#include <cstdint>
#include <string>
#include <thread>

#include "08_queues/queue.hpp"  // solutions/, through the lesson library
#include "bench.hpp"

#if defined(THREADLINGS_HAVE_TBB)
#include <tbb/concurrent_queue.h>
#endif
#if defined(THREADLINGS_HAVE_MOODYCAMEL)
#include <concurrentqueue/blockingconcurrentqueue.h>
#endif

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson08::Queue;

constexpr std::int64_t kItems = 100'000;
constexpr long kBound = 1024;

// One iteration's work for any queue: a producer thread puts 0..kItems-1, this thread gets them all.
// `put(int)` and `get() -> int` adapt the queue. A wrong sum (items lost or duplicated) stops the
// benchmark with an error.
template <typename Put, typename Get>
void run_one_to_one(benchmark::State& state, Put put, Get get) {
  for (auto _ : state) {
    std::jthread producer([&put] {
      for (std::int64_t i = 0; i < kItems; ++i) put(static_cast<int>(i));
    });
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < kItems; ++i) sum += get();
    producer.join();
    if (sum != kItems * (kItems - 1) / 2) {
      state.SkipWithError("items were lost or duplicated");
      break;
    }
  }
}

void register_benchmarks() {
  const Options options{.min_time_seconds = 0.4, .unit = benchmark::kMillisecond, .ops_per_iteration = kItems};
  threadlings::bench::describe("queue_unbounded",
                               "1 producer thread puts 100 000 ints, 1 consumer gets them; unbounded queue; time per item");
  threadlings::bench::describe("queue_bounded_1024",
                               "the same with at most 1024 items waiting (the producer blocks when full); time per item");

  threadlings::bench::add("queue_unbounded", Role::ours, "lesson08::Queue<int>", options, [](benchmark::State& state) {
    Queue<int> queue;
    run_one_to_one(state, [&queue](int i) { queue.put(i); }, [&queue] { return queue.get(); });
  });
  threadlings::bench::add("queue_bounded_1024", Role::ours, "lesson08::Queue<int>(1024)", options,
                          [](benchmark::State& state) {
                            Queue<int> queue(kBound);
                            run_one_to_one(state, [&queue](int i) { queue.put(i); }, [&queue] { return queue.get(); });
                          });

#if defined(THREADLINGS_HAVE_TBB)
  threadlings::bench::add("queue_unbounded", Role::peer, "tbb::concurrent_bounded_queue<int>", options,
                          [](benchmark::State& state) {
                            tbb::concurrent_bounded_queue<int> queue;
                            run_one_to_one(state, [&queue](int i) { queue.push(i); }, [&queue] {
                              int item = 0;
                              queue.pop(item);
                              return item;
                            });
                          });
  threadlings::bench::add("queue_bounded_1024", Role::peer, "tbb::concurrent_bounded_queue<int>(1024)", options,
                          [](benchmark::State& state) {
                            tbb::concurrent_bounded_queue<int> queue;
                            queue.set_capacity(kBound);
                            run_one_to_one(state, [&queue](int i) { queue.push(i); }, [&queue] {
                              int item = 0;
                              queue.pop(item);
                              return item;
                            });
                          });
#else
  const std::string no_tbb = "oneTBB was not found at configure time (Debian: libtbb-dev)";
  threadlings::bench::add_missing("queue_unbounded", Role::peer, "tbb::concurrent_bounded_queue<int>", no_tbb);
  threadlings::bench::add_missing("queue_bounded_1024", Role::peer, "tbb::concurrent_bounded_queue<int>(1024)", no_tbb);
#endif

#if defined(THREADLINGS_HAVE_MOODYCAMEL)
  threadlings::bench::add("queue_unbounded", Role::peer, "moodycamel::BlockingConcurrentQueue<int>", options,
                          [](benchmark::State& state) {
                            moodycamel::BlockingConcurrentQueue<int> queue;
                            run_one_to_one(state, [&queue](int i) { queue.enqueue(i); }, [&queue] {
                              int item = 0;
                              queue.wait_dequeue(item);
                              return item;
                            });
                          });
#else
  threadlings::bench::add_missing("queue_unbounded", Role::peer, "moodycamel::BlockingConcurrentQueue<int>",
                                  "concurrentqueue/blockingconcurrentqueue.h was not found at configure time "
                                  "(Debian: libconcurrentqueue-dev)");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "queue_1p1c: lesson 08's Queue<int> against oneTBB and moodycamel, one producer "
                                      "and one consumer thread");
}
