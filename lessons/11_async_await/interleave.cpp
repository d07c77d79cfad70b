// Lesson 11 demo: the seed's print_numbers / print_letters as two asyncio tasks that take turns at
// their awaits; the same two coroutines with a blocking sleep inside (no turns at all); and what one
// blocking call does to every other task on the loop, measured with a heartbeat, and how to_thread()
// fixes it.
//
//   build/student/demos/exercise/11_async_await/interleave [--quick]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "awaitables.hpp"
#include "event_loop.hpp"
#include "gather.hpp"
#include "task.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using threadlings::Stopwatch;

// Prints a line with the time since the demo part began.
class Log {
 public:
  void line(const std::string& text) const {
    std::printf("  t=%6.3f s  %s\n", watch_.elapsed_seconds(), text.c_str());
  }
  [[nodiscard]] double seconds() const { return watch_.elapsed_seconds(); }

 private:
  Stopwatch watch_;
};

// The seed's threads, as coroutines: `await asyncio.sleep(1)` where the seed had time.sleep(1).
Task<> print_numbers(Duration pause, const Log* log) {
  for (int i = 0; i < 5; ++i) {
    log->line("Task 1: " + std::to_string(i));
    co_await sleep(pause);
  }
}

Task<> print_letters(Duration pause, const Log* log) {
  const std::string letters = "abcde";
  for (const char letter : letters) {
    log->line(std::string("Task 2: ") + letter);
    co_await sleep(pause);
  }
}

// The same with the blocking sleep (Python: time.sleep inside an async def): the coroutine never
// reaches an await, so the loop never gets a chance to switch.
Task<> print_numbers_blocking(Duration pause, const Log* log) {
  for (int i = 0; i < 5; ++i) {
    log->line("Task 1: " + std::to_string(i));
    std::this_thread::sleep_for(pause);
  }
  co_return;
}

Task<> print_letters_blocking(Duration pause, const Log* log) {
  const std::string letters = "abcde";
  for (const char letter : letters) {
    log->line(std::string("Task 2: ") + letter);
    std::this_thread::sleep_for(pause);
  }
  co_return;
}

Task<> both(Duration pause, const Log* log, bool blocking) {
  if (blocking) {
    (void)co_await gather(print_numbers_blocking(pause, log), print_letters_blocking(pause, log));
  } else {
    (void)co_await gather(print_numbers(pause, log), print_letters(pause, log));
  }
}

void seed_example(Duration pause) {
  const double seconds = std::chrono::duration<double>(pause).count();
  std::printf("== 1. The seed's print_numbers / print_letters as two tasks, with co_await sleep(%.3f s) ==\n", seconds);
  {
    const Log log;
    run(both(pause, &log, false));
    std::printf("  total %.3f s for 10 prints and 10 pauses: the pauses overlap (one thread, two tasks\n"
                "  taking turns at each co_await; the loop resumes whichever timer is due)\n\n", log.seconds());
  }
  std::printf("== 2. The same with a blocking sleep inside (time.sleep in an async def) ==\n");
  {
    const Log log;
    run(both(pause, &log, true));
    std::printf("  total %.3f s: a coroutine that blocks never reaches an await, so the loop cannot switch;\n"
                "  Task 2 starts when Task 1 is done\n\n", log.seconds());
  }
}

// A task that should wake every `period`; records the longest gap between two wake-ups.
Task<> heartbeat(Duration period, int beats, double* longest_ms) {
  auto last = std::chrono::steady_clock::now();
  for (int i = 0; i < beats; ++i) {
    co_await sleep(period);
    const auto at = std::chrono::steady_clock::now();
    *longest_ms = std::max(*longest_ms, std::chrono::duration<double, std::milli>(at - last).count());
    last = at;
  }
}

// A task that, half-way, calls a function that blocks for `block` (a synchronous HTTP client, a big
// file read, a CPU-heavy loop): on the loop's thread, or through to_thread().
Task<> blocking_call(Duration start, Duration block, bool offload) {
  co_await sleep(start);
  if (offload) {
    // Named first: a capturing lambda inside the co_await expression trips a GCC 12 bug (README).
    auto call = [block] { std::this_thread::sleep_for(block); };
    co_await to_thread(std::move(call));
  } else {
    std::this_thread::sleep_for(block);
  }
}

Task<> heartbeat_with(Duration period, int beats, double* longest_ms, int mode, Duration block) {
  Task<> beat = create_task(heartbeat(period, beats, longest_ms));
  if (mode > 0) {
    Task<> call = create_task(blocking_call(period * beats / 4, block, mode == 2));
    co_await call;
  }
  co_await beat;
}

void stalled_loop(bool quick) {
  const Duration period = quick ? 5ms : 10ms;
  const int beats = quick ? 10 : 30;
  const Duration block = quick ? 30ms : 200ms;
  const double period_ms = std::chrono::duration<double, std::milli>(period).count();
  const double block_ms = std::chrono::duration<double, std::milli>(block).count();
  std::printf("== 3. One blocking call stalls every task: a heartbeat every %.0f ms, %d beats ==\n", period_ms, beats);
  const std::array<const char*, 3> labels = {"heartbeat alone:                               ",
                                              "another task calls a blocking function:        ",
                                              "the same function through co_await to_thread():"};
  for (int mode = 0; mode < 3; ++mode) {
    double longest_ms = 0;
    run(heartbeat_with(period, beats, &longest_ms, mode, block));
    std::printf("  %s longest gap %6.1f ms\n", labels[static_cast<std::size_t>(mode)], longest_ms);
  }
  std::printf("  the blocking function takes %.0f ms: on the loop's thread, no other task runs meanwhile\n"
              "  (no timer fires, no socket is read); in a worker thread, the loop carries on\n\n", block_ms);
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv,
      "Lesson 11: the seed's print_numbers/print_letters as asyncio tasks; the same with a blocking sleep; "
      "how one blocking call stalls the loop, and to_thread().",
      [](const threadlings::DemoOptions& options) {
        seed_example(options.quick ? Duration(20ms) : Duration(1s));
        stalled_loop(options.quick);
        return 0;
      });
}
