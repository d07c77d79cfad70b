// Lesson 03 demo: waiting for threads. start/join as in the Python example, then what join(timeout)
// and is_alive() report, an exception in a thread, a Timer cancelled and one that fires, and a
// heartbeat stopped cooperatively.
//
//   build/student/demos/exercise/03_start_and_join/waiting [--quick] [--trace waiting.json]
#include <chrono>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "heartbeat.hpp"
#include "thread.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"
#include "timer.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::lesson03::ExceptHookArgs;
using threadlings::lesson03::Heartbeat;
using threadlings::lesson03::Thread;
using threadlings::lesson03::Timer;

std::mutex output_mutex;  // several threads print: one whole line at a time

void say(const std::string& text) {
  const std::scoped_lock lock(output_mutex);
  std::cout << "  " << text << '\n' << std::flush;
}

std::string ms(const threadlings::Stopwatch& stopwatch) {
  return std::to_string(static_cast<long long>(stopwatch.elapsed_milliseconds() + 0.5)) + " ms";
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  trace.name_thread("main");
  // The Python example sleeps a second per step; the demo is shorter, --quick much shorter.
  const std::chrono::milliseconds step = options.quick ? 1ms : 200ms;

  std::cout << "1. The Python example: print_numbers and print_letters, started, then joined.\n";
  Thread numbers(
      [&] {
        trace.name_thread("Thread 1");
        auto span = trace.span("print_numbers");
        for (int i = 0; i < 5; ++i) {
          say("Thread 1: " + std::to_string(i));
          std::this_thread::sleep_for(step);
        }
      },
      "numbers");
  Thread letters(
      [&] {
        trace.name_thread("Thread 2");
        auto span = trace.span("print_letters");
        for (const char c : std::string("abcde")) {
          say(std::string("Thread 2: ") + c);
          std::this_thread::sleep_for(step);
        }
      },
      "letters");
  numbers.start();
  letters.start();
  numbers.join();  // the main thread waits here until print_numbers has returned...
  letters.join();  // ...and here for print_letters (already finished, or nearly)
  std::cout << "  Multithreading finished. Lines of the two threads interleave; their order varies.\n\n";

  std::cout << "2. Waiting with a timeout: a thread that works for " << 5 * step.count() << " ms.\n";
  Thread slow(
      [&] {
        auto span = trace.span("slow work");
        std::this_thread::sleep_for(5 * step);
      },
      "slow");
  std::cout << "  before start: is_alive() = " << std::boolalpha << slow.is_alive() << '\n';
  slow.start();
  threadlings::Stopwatch waited;
  const bool finished_early = slow.join(step);
  std::cout << "  join(" << step.count() << " ms) returned " << finished_early << " after " << ms(waited)
            << "; is_alive() = " << slow.is_alive() << "  (Python: join returns None, ask is_alive)\n";
  waited.restart();
  const bool finished = slow.join(1h);
  std::cout << "  join(1 h) returned " << finished << " after " << ms(waited)
            << " (as soon as the thread ended, not after an hour); is_alive() = " << slow.is_alive() << "\n";
  try {
    slow.start();
  } catch (const threadlings::lesson03::ThreadError& error) {
    std::cout << "  start() again: ThreadError: " << error.what() << "\n\n";
  }

  std::cout << "3. An exception escaping a thread. With std::thread it would call std::terminate;\n"
               "   here, as in Python, the excepthook reports it (default: on stderr) and the thread ends.\n";
  std::cout << std::flush;  // stdout and stderr interleave in order only when each is flushed
  Thread failing([] { throw std::runtime_error("could not open data.csv"); }, "loader");
  failing.start();
  failing.join();
  std::cout << "  (the line above on stderr came from default_excepthook) the program goes on.\n";
  auto previous = threadlings::lesson03::set_excepthook([](const ExceptHookArgs& args) {
    try {
      std::rethrow_exception(args.exception);
    } catch (const std::exception& error) {
      say("[my hook] thread '" + args.thread_name + "' failed: " + error.what());
    } catch (...) {
      say("[my hook] thread '" + args.thread_name + "' failed");
    }
  });
  Thread failing_again([] { throw std::out_of_range("index 7 of 3"); }, "indexer");
  failing_again.start();
  failing_again.join();
  threadlings::lesson03::set_excepthook(previous);
  std::cout << '\n';

  std::cout << "4. Timers: threading.Timer(interval, function).\n";
  threadlings::Stopwatch timers;
  Timer kettle(1h, [] { say("the kettle timer fired (it should not have)"); }, "kettle");
  kettle.start();
  kettle.cancel();  // wakes the waiting thread at once
  kettle.join();
  std::cout << "  a 1-hour timer, cancelled: joined after " << ms(timers) << ", it never fired\n";
  timers.restart();
  Timer alarm(3 * step, [&] {
    auto span = trace.span("alarm fires");
    say("the " + std::to_string(3 * step.count()) + " ms alarm fired after " + ms(timers));
  }, "alarm");
  alarm.start();
  alarm.join();
  alarm.cancel();  // too late, and harmless
  std::cout << "  cancel() after it fired changed nothing\n\n";

  std::cout << "5. A heartbeat on std::jthread, stopped cooperatively through its stop_token.\n";
  {
    int beats = 0;  // only the heartbeat's thread writes it; read after stop() has joined
    Heartbeat heartbeat(step, [&] {
      auto span = trace.span("beat");
      ++beats;
    });
    std::this_thread::sleep_for(5 * step + step / 2);  // demos may sleep; tests never do
    threadlings::Stopwatch stopping;
    heartbeat.stop();
    const auto stop_us = std::chrono::duration_cast<std::chrono::microseconds>(stopping.elapsed()).count();
    std::cout << "  " << beats << " beats in about " << 5 * step.count() + step.count() / 2
              << " ms; stop() took " << stop_us << " us, not a period: the stop request woke the waiting thread\n";
  }

  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 03: join, join(timeout), is_alive, excepthook, Timer, jthread stop",
                               demo);
}
