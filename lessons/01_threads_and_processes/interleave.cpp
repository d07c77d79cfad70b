// Lesson 01 demo: the Python notes' print_numbers / print_letters, first on two threads, then in two
// forked processes. The output interleaves both times; only the threads share the counter they bump.
//
//   build/reference/demos/solution/01_threads_and_processes/interleave [--quick] [--trace interleave.json]
#include <atomic>
#include <chrono>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include <unistd.h>

#include "forked_child.hpp"
#include "sharing.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/io.hpp"
#include "threadlings/trace_recorder.hpp"

namespace {

using lesson01_demo::ForkedChild;
using threadlings::lesson01::identify_this_thread;

// Every line any worker prints bumps this counter. Threads share one counter; each forked child bumps
// its own copy. (Atomic because two threads bump it at once: lesson 04 shows what a plain int loses.)
std::atomic<int> lines_printed{0};

// One whole line per write(2) call: lines from two processes sharing a terminal or a pipe then never
// mix mid-line (the two processes do not share iostream's buffer, only the file it ends up in).
void say(std::string_view who, const std::string& what) {
  const auto me = identify_this_thread();
  const std::string line = "  [pid " + std::to_string(me.pid) + ", tid " + std::to_string(me.tid) + "] " +
                           std::string(who) + ": " + what + "\n";
  threadlings::write_all(STDOUT_FILENO, std::as_bytes(std::span(line)));
}

// Python: for i in range(5): print("Thread 1:", i); time.sleep(1)
void print_numbers(std::string_view who, std::chrono::milliseconds delay, threadlings::TraceRecorder& trace) {
  for (int i = 0; i < 5; ++i) {
    auto span = trace.span(std::string(who) + ": " + std::to_string(i));
    say(who, std::to_string(i));
    ++lines_printed;
    std::this_thread::sleep_for(delay);
  }
}

// Python: for char in 'abcde': print("Thread 2:", char); time.sleep(1)
void print_letters(std::string_view who, std::chrono::milliseconds delay, threadlings::TraceRecorder& trace) {
  for (const char letter : std::string_view("abcde")) {
    auto span = trace.span(std::string(who) + ": " + letter);
    say(who, std::string(1, letter));
    ++lines_printed;
    std::this_thread::sleep_for(delay);
  }
}

int demo(const threadlings::DemoOptions& options) {
  const auto delay = std::chrono::milliseconds(options.quick ? 1 : 300);
  threadlings::TraceRecorder trace;
  trace.name_process("parent (the demo)");
  trace.name_thread("main");

  const auto me = identify_this_thread();
  std::cout << "This process: pid " << me.pid << "; its main thread: tid " << me.tid
            << " (a process's first thread has tid == pid).\n\n";

  std::cout << "1. Two threads, as in Python's threading example. Same pid, two tids; lines interleave.\n";
  std::cout.flush();
  {
    auto span = trace.span("start, then join both threads");
    std::thread numbers([&] {
      trace.name_thread("Thread 1: print_numbers");
      print_numbers("Thread 1", delay, trace);
    });
    std::thread letters([&] {
      trace.name_thread("Thread 2: print_letters");
      print_letters("Thread 2", delay, trace);
    });
    numbers.join();
    letters.join();
  }
  std::cout << "  Multithreading finished. lines_printed, read by the main thread: " << lines_printed
            << " (both threads bumped the same counter).\n\n";

  std::cout << "2. Two forked processes, as in Python's multiprocessing example. Two pids; lines interleave too.\n";
  {
    auto span = trace.span("fork, then reap both children");
    // Each child starts from a copy of everything the parent has now, lines_printed included.
    auto child_body = [&](std::string_view who, auto print) {
      return [&trace, who, print, delay] {
        trace.name_process(std::string(who) + " (forked child)");
        trace.name_thread(std::string(who));
        print(who, delay, trace);
        say(who, "my copy of lines_printed is " + std::to_string(lines_printed) +
                     " (the parent's value at the fork, plus my own 5)");
        return 0;
      };
    };
    // The parent has one thread left when it forks: the children may safely use everything it had.
    ForkedChild numbers(trace, options.trace, child_body("Process 1", print_numbers));
    ForkedChild letters(trace, options.trace, child_body("Process 2", print_letters));
    const int numbers_exit = numbers.wait();
    const int letters_exit = letters.wait();
    std::cout << "  Multiprocessing finished (exit codes " << numbers_exit << " and " << letters_exit << ").\n";
  }
  std::cout << "  lines_printed in the parent: still " << lines_printed
            << ". The children wrote to their own copies, which ended with them.\n";

  std::cout << "\nRun it again: the order of lines printed at the same moment changes from run to run.\n"
               "Both versions are concurrent (their lifetimes overlap). On two or more cores the workers\n"
               "also run in parallel, threads as much as processes: see the parallel demo.\n";

  if (options.trace) {
    trace.save(*options.trace);
    std::cout << "\nTimeline written to " << options.trace->string()
              << " (open it in ui.perfetto.dev): one track per thread and per process.\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 01: two threads and two processes printing at once", demo);
}
