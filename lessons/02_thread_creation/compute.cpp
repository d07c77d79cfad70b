// Lesson 02 demo: two computations on two Threads, as in Python's threading example, then measured:
// do C++ threads really run at the same time? (Python's, under the GIL, take turns.)
//
//   build/student/demos/exercise/02_thread_creation/compute [--quick] [--trace compute.json]
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "thread.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

namespace {

using threadlings::lesson02::Thread;

// Trial division, as the Python version does it: deliberately CPU-bound.
bool is_prime(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

std::vector<std::uint64_t> primes_up_to(std::uint64_t limit) {
  std::vector<std::uint64_t> primes;
  for (std::uint64_t n = 2; n <= limit; ++n) {
    if (is_prime(n)) primes.push_back(n);
  }
  return primes;
}

std::uint64_t factorial(std::uint64_t n) {  // 20! is the largest that fits in 64 bits
  std::uint64_t result = 1;
  for (std::uint64_t i = 2; i <= n; ++i) result *= i;
  return result;
}

std::mutex output_mutex;  // two threads printing: one line at a time, never interleaved mid-line

void say(const Thread& self, const std::string& text) {
  const std::scoped_lock lock(output_mutex);
  std::cout << "  [" << self.name() << ", native id " << self.native_id().value_or(0) << "] " << text << '\n';
}

// Counts primes up to `limit` in `parts` Threads. Thread p takes every parts-th block of 1000 numbers,
// so each gets as many large (slow) numbers as the others; taking every parts-th number instead would
// hand one of two threads all the even numbers, which fail at the first division, and no speed-up.
double count_primes_ms(std::uint64_t limit, unsigned parts, threadlings::TraceRecorder& trace) {
  constexpr std::uint64_t kBlock = 1000;
  std::vector<std::unique_ptr<Thread>> threads;
  std::vector<std::uint64_t> counts(parts, 0);
  threadlings::Stopwatch stopwatch;
  for (unsigned p = 0; p < parts; ++p) {
    threads.push_back(std::make_unique<Thread>(
        [&trace, limit, parts](std::uint64_t& count, unsigned first) {
          auto span = trace.span("count primes, 1 block in " + std::to_string(parts));
          for (std::uint64_t start = first * kBlock; start <= limit; start += parts * kBlock) {
            const std::uint64_t end = std::min(start + kBlock, limit + 1);
            for (std::uint64_t n = start; n < end; ++n) count += is_prime(n) ? 1U : 0U;
          }
        },
        std::ref(counts[p]), p));
  }
  for (auto& thread : threads) thread->start();
  for (auto& thread : threads) thread->join();
  return stopwatch.elapsed_milliseconds();
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  trace.name_thread("main");

  std::cout << "1. The Python example, in C++: two targets with arguments, started, then joined.\n";
  Thread primes_thread(
      [&trace](const Thread* self, std::uint64_t limit) {
        auto span = trace.span("compute_prime");
        std::string line = "primes up to " + std::to_string(limit) + ":";
        for (const auto p : primes_up_to(limit)) line += " " + std::to_string(p);
        say(*self, line);
      },
      &primes_thread, std::uint64_t{50});
  Thread factorial_thread(
      [&trace](const Thread* self, std::uint64_t n) {
        auto span = trace.span("compute_factorial");
        say(*self, std::to_string(n) + "! = " + std::to_string(factorial(n)));
      },
      &factorial_thread, std::uint64_t{20});
  primes_thread.start();
  factorial_thread.start();
  primes_thread.join();
  factorial_thread.join();
  std::cout << "  Both threads finished. Run it again: the order of the two lines may change.\n\n";

  const std::uint64_t limit = options.quick ? 20'000 : 3'000'000;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  std::cout << "2. Do threads run at the same time? Counting primes up to " << limit << " (" << cores
            << " cores here):\n";
  const double one = count_primes_ms(limit, 1, trace);
  const double many = count_primes_ms(limit, cores, trace);
  std::cout << "  one thread:     " << one << " ms\n"
            << "  " << cores << " threads:      " << many << " ms  (speed-up " << one / many << "x)\n"
            << "  C++ threads run in parallel on different cores. CPython threads doing the same loop\n"
               "  take turns under the GIL and gain nothing: lesson 05 shows why.\n";

  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 02: Thread with a target and arguments; are threads parallel?", demo);
}
