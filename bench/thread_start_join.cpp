// bench/thread_start_join.cpp: what starting and joining one thread costs with the course's Thread
// classes (lesson 02's, whose start() waits until the thread runs; lesson 03's, with its lock,
// condition variable and excepthook), against raw pthread_create/pthread_join and std::thread.
//
//   build/bench/bench/thread_start_join [--benchmark_out=t.json --benchmark_out_format=json]
#include <pthread.h>

#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "02_thread_creation/thread.hpp"  // solutions/, through the lesson libraries
#include "03_start_and_join/thread.hpp"
#include "bench.hpp"

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;

constexpr const char* kComparison = "thread_start_join";

void* do_nothing(void* /*unused*/) { return nullptr; }

void register_benchmarks() {
  threadlings::bench::describe(kComparison, "start a thread whose target does nothing, then join it; time per thread");
  const Options options{.min_time_seconds = 0.3, .unit = benchmark::kMicrosecond};

  threadlings::bench::add(kComparison, Role::ours, "lesson02::Thread", options, [](benchmark::State& state) {
    for (auto _ : state) {
      threadlings::lesson02::Thread thread([] {});
      thread.start();
      thread.join();
    }
  });
  threadlings::bench::add(kComparison, Role::ours, "lesson03::Thread", options, [](benchmark::State& state) {
    for (auto _ : state) {
      threadlings::lesson03::Thread thread([] {}, "bench");
      thread.start();
      thread.join();
    }
  });
  threadlings::bench::add(kComparison, Role::peer, "pthread_create+pthread_join", options, [](benchmark::State& state) {
    for (auto _ : state) {
      pthread_t thread{};
      if (const int error = pthread_create(&thread, nullptr, do_nothing, nullptr); error != 0) {
        state.SkipWithError((std::string("pthread_create: ") + std::strerror(error)).c_str());
        break;
      }
      pthread_join(thread, nullptr);
    }
  });
  threadlings::bench::add(kComparison, Role::peer, "std::thread", options, [](benchmark::State& state) {
    for (auto _ : state) {
      std::thread thread([] {});
      thread.join();
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "thread_start_join: the course's Thread classes (lessons 02 and 03) against "
                                      "pthread_create and std::thread");
}
