// Lesson 11 demo: 20 I/O waits of 100 ms each, done one by one, by 20 threads, and by one event loop
// with 20 tasks; then the same loop with a task that forgot to await (a blocking read); then the test
// clock; then the cost of one task switch against CPython's asyncio.
//
// Each "I/O wait" is a real descriptor that becomes readable after 100 ms: a timerfd, standing in for a
// socket whose reply takes 100 ms to arrive. The serial loop and the threads block in read(); the
// event loop's tasks co_await readable(fd) and are woken by epoll.
//
//   build/student/demos/exercise/11_async_await/io_waits [--quick]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awaitables.hpp"
#include "event_loop.hpp"
#include "gather.hpp"
#include "task.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/timer_fd.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using threadlings::Stopwatch;
using threadlings::UniqueFd;

constexpr int kWaits = 20;

// A descriptor that becomes readable `delay` from now, and the blocking read of it: threadlings'
// readable_after() and wait_for_expiry() (common/, shared with lesson 12's lab).
using threadlings::readable_after;
using threadlings::wait_for_expiry;

void one_wait(Duration delay) { wait_for_expiry(readable_after(delay).get()); }

// The loop's way: suspend the task until epoll says the descriptor is readable, then read (at once).
Task<> loop_wait(Duration delay) {
  const UniqueFd fd = readable_after(delay);
  co_await readable(fd.get());
  wait_for_expiry(fd.get());
}

// The mistake: a coroutine that calls the blocking read() directly. It is a task, it runs on the loop,
// and it holds the loop for the whole wait.
Task<> forgot_to_await(Duration delay) {
  one_wait(delay);
  co_return;
}

Task<> all_at_once(Duration delay, bool blocking) {
  std::vector<Task<>> tasks;
  for (int i = 0; i < kWaits; ++i) tasks.push_back(blocking ? forgot_to_await(delay) : loop_wait(delay));
  (void)co_await gather(std::move(tasks));
}

template <typename F>
double best_of(int runs, F&& body) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    Stopwatch watch;
    body();
    best = std::min(best, watch.elapsed_seconds());
  }
  return best;
}

void io_waits(bool quick) {
  const Duration delay = quick ? Duration(10ms) : Duration(100ms);
  const double delay_ms = std::chrono::duration<double, std::milli>(delay).count();
  std::printf("== %d I/O waits of %.0f ms (a timerfd each: a descriptor that becomes readable after %.0f ms) ==\n",
              kWaits, delay_ms, delay_ms);
  const int runs = quick ? 1 : 5;
  const double one = best_of(runs, [&] { one_wait(delay); });
  const double serial = best_of(1, [&] {
    for (int i = 0; i < kWaits; ++i) one_wait(delay);
  });
  const double threads = best_of(runs, [&] {
    std::vector<std::jthread> workers;
    for (int i = 0; i < kWaits; ++i) workers.emplace_back([delay] { one_wait(delay); });
  });
  const double loop = best_of(runs, [&] { run(all_at_once(delay, false)); });
  const double blocked = best_of(1, [&] { run(all_at_once(delay, true)); });
  const auto row = [one](const char* what, double seconds) {
    std::printf("  %-46s %8.1f ms  %6.2fx one wait\n", what, seconds * 1000, seconds / one);
  };
  row("one wait:", one);
  row("20 waits, one after the other:", serial);
  row("20 threads, one wait each (blocking read):", threads);
  row("1 event loop, 20 tasks (co_await readable):", loop);
  row("1 event loop, 20 tasks that forgot to await:", blocked);
  std::printf("  the loop overlaps the waits on one thread, as threads do; a task that calls the blocking\n"
              "  read() instead of awaiting readiness turns the loop back into the serial loop\n\n");
}

Task<> just_sleep(Duration delay) { co_await sleep(delay); }

Task<double> virtual_waits(Duration delay) {
  std::vector<Task<>> tasks;
  for (int i = 0; i < kWaits; ++i) tasks.push_back(just_sleep(delay));
  (void)co_await gather(std::move(tasks));
  co_return std::chrono::duration<double>(get_running_loop().time()).count();
}

void virtual_clock() {
  std::printf("== The test clock: the same 20 waits as sleep(100 ms) on a VirtualClock ==\n");
  Stopwatch watch;
  const double virtual_seconds = run(virtual_waits(100ms), std::make_unique<VirtualClock>());
  std::printf("  virtual time at the end: %.3f s; real time: %.3f ms (the loop jumps the clock when idle)\n\n",
              virtual_seconds, watch.elapsed_milliseconds());
}

Task<> yielder(int switches) {
  for (int i = 0; i < switches; ++i) co_await sleep(Duration::zero());
}

Task<> yielders(int tasks, int switches) {
  std::vector<Task<>> all;
  for (int i = 0; i < tasks; ++i) all.push_back(yielder(switches));
  (void)co_await gather(std::move(all));
}

// CPython's asyncio doing what yielders() does; the seconds measured inside Python (start-up not
// counted). Nothing when python3 is missing or fails.
std::optional<double> cpython_seconds(int tasks, int switches) {
  constexpr const char* kScript =
      "import asyncio, sys, time\n"
      "n, m = int(sys.argv[1]), int(sys.argv[2])\n"
      "async def yielder():\n"
      "    for _ in range(m):\n"
      "        await asyncio.sleep(0)\n"
      "async def main():\n"
      "    await asyncio.gather(*(yielder() for _ in range(n)))\n"
      "best = 1e9\n"
      "for _ in range(3):\n"
      "    t0 = time.perf_counter(); asyncio.run(main()); best = min(best, time.perf_counter() - t0)\n"
      "print(best)\n";
  std::fflush(stdout);
  return threadlings::python_seconds(kScript, {std::to_string(tasks), std::to_string(switches)});
}

void switch_cost(bool quick) {
  const int tasks = quick ? 100 : 1000;
  const int switches = quick ? 10 : 100;
  const double total = static_cast<double>(tasks) * switches;
  std::printf("== The price of a switch: %d tasks x %d co_await sleep(0) each ==\n", tasks, switches);
  const double ours = best_of(quick ? 1 : 3, [&] { run(yielders(tasks, switches)); });
  std::printf("  this lesson's EventLoop: %8.0f ns per switch (%.2f M switches/s)\n", ours / total * 1e9,
              total / ours / 1e6);
  if (quick) {
    std::printf("  CPython asyncio: skipped in --quick (the interpreter's start-up dominates)\n\n");
  } else if (const std::optional<double> python = cpython_seconds(tasks, switches)) {
    std::printf("  CPython asyncio:         %8.0f ns per switch (%.2f M switches/s)\n", *python / total * 1e9,
                total / *python / 1e6);
    std::printf("  ratio EventLoop / CPython: %.1fx\n\n", *python / ours);
  } else {
    std::printf("  CPython asyncio: skipped (python3 not found or failed)\n\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv,
      "Lesson 11: 20 I/O waits serially, with 20 threads and with one event loop (ratios against one wait); a "
      "task that blocks; the virtual clock; the cost of a task switch against CPython's asyncio.",
      [](const threadlings::DemoOptions& options) {
        io_waits(options.quick);
        virtual_clock();
        switch_cost(options.quick);
        return 0;
      });
}
