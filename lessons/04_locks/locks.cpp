// Lesson 04 demo: deadlock and its cure, and who may release a lock. Two naive transfers in opposite
// directions deadlock (detected with a bounded wait, so the demo never hangs); your transfer() does not; a
// Python-style Lock is a binary semaphore that any thread may release, while RLock checks its owner; and
// your Event and Barrier run three workers through three phases.
//
//   build/reference/demos/solution/04_locks/locks [--quick] [--trace locks.json]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <latch>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "barrier.hpp"
#include "event.hpp"
#include "rlock.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"
#include "transfer.hpp"

namespace {

using namespace std::chrono_literals;
namespace l04 = threadlings::lesson04;

std::mutex output_mutex;  // several threads print: one whole line at a time

void say(const std::string& text) {
  const std::scoped_lock lock(output_mutex);
  std::cout << "  " << text << '\n' << std::flush;
}

/// An account for the naive version.
struct NaiveAccount {
  std::string name;
  std::mutex mutex;
  long long balance = 100;  // guarded by mutex
};

/// Locks `mutex` unless `patience` runs out first: a deadlock is noticed instead of endured.
/// std::timed_mutex::try_lock_for does this in one call, but GCC 12's ThreadSanitizer does not see the lock
/// it takes (pthread_mutex_clocklock is not intercepted) and reports a false "unlock of an unlocked mutex";
/// so this demo polls with try_lock, which every tool understands. (Demos may sleep; tests never do.)
bool lock_within(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!lock.try_lock()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// "Lock from, then lock to": the order depends on the call, so two opposite calls lock in opposite orders.
/// Both threads meet at `both_hold_one` after their first lock: the unlucky timing, made certain.
void naive_transfer(NaiveAccount& from, NaiveAccount& to, std::latch& both_hold_one, std::chrono::milliseconds patience,
                    std::atomic<int>& gave_up, threadlings::TraceRecorder& trace) {
  auto span = trace.span("naive transfer " + from.name + " -> " + to.name);
  const std::unique_lock first(from.mutex);
  both_hold_one.arrive_and_wait();
  std::unique_lock second(to.mutex, std::defer_lock);
  if (!lock_within(second, patience)) {
    say("holds " + from.name + ", waited " + std::to_string(patience.count()) + " ms for " + to.name +
        ": gave up, and lets go of " + from.name + " (without the timeout it would wait for ever)");
    ++gave_up;
    return;
  }
  from.balance -= 1;
  to.balance += 1;
  say("moved 1 from " + from.name + " to " + to.name);
}

void part_deadlock(const threadlings::DemoOptions& options, threadlings::TraceRecorder& trace) {
  std::cout << "1. Two naive transfers, a -> b and b -> a, at the same moment. Each locks its 'from' account\n"
               "   first, then asks for its 'to' account.\n";
  NaiveAccount a{"a", {}, 100};
  NaiveAccount b{"b", {}, 100};
  std::latch both_hold_one(2);
  std::atomic<int> gave_up{0};
  const auto patience = options.quick ? 20ms : 500ms;
  {
    std::jthread one([&] { naive_transfer(a, b, both_hold_one, patience, gave_up, trace); });
    std::jthread two([&] { naive_transfer(b, a, both_hold_one, patience, gave_up, trace); });
  }
  std::cout << "  " << gave_up.load() << " of 2 gave up. Both held one mutex and waited for the other's: a cycle, a\n"
               "  deadlock. Only the timeout broke it (whichever gave up first let the other through). Python's\n"
               "  GIL changes nothing here (the README runs the same program with threading.Lock).\n\n";
}

void part_transfer(const threadlings::DemoOptions& options, threadlings::TraceRecorder& trace) {
  const int each_way = options.quick ? 1000 : 200'000;
  std::cout << "2. Your transfer(): two threads, " << each_way << " transfers each, in opposite directions.\n";
  l04::Account a(1'000'000);
  l04::Account b(1'000'000);
  std::mutex done_mutex;
  std::condition_variable done_cv;
  int done = 0;                 // guarded by done_mutex
  std::exception_ptr failure;   // guarded by done_mutex
  const auto mover = [&](l04::Account& from, l04::Account& to, const char* label) {
    trace.name_thread(label);
    try {
      auto span = trace.span(label);
      for (int i = 0; i < each_way; ++i) l04::transfer(from, to, 1);
    } catch (...) {
      const std::scoped_lock lock(done_mutex);
      if (!failure) failure = std::current_exception();
    }
    {
      const std::scoped_lock lock(done_mutex);
      ++done;
    }
    done_cv.notify_all();
  };
  threadlings::Stopwatch stopwatch;
  std::jthread one([&] { mover(a, b, "transfers a -> b"); });
  std::jthread two([&] { mover(b, a, "transfers b -> a"); });
  {
    // A bounded wait: a transfer() that locks "from, then to" deadlocks, and its threads can never be joined.
    std::unique_lock lock(done_mutex);
    if (!done_cv.wait_for(lock, 30s, [&] { return done == 2; })) {
      std::cout << "  Your transfer() made no progress for 30 s: the two threads are deadlocked (each holds one\n"
                   "  account's mutex and waits for the other's). They can never be joined, so the demo ends here.\n"
                << std::flush;
      std::_Exit(1);
    }
    if (failure) std::rethrow_exception(failure);
  }
  one.join();
  two.join();
  std::cout << "  done in " << static_cast<long long>(stopwatch.elapsed_milliseconds()) << " ms; balances "
            << a.balance << " and " << b.balance << ", total " << a.balance + b.balance
            << " (2000000 before): no deadlock, nothing lost.\n\n";
}

void part_ownership() {
  std::cout << "3. Who may release a lock?\n";
  // Python's Lock has no owner: it is a binary semaphore. C++ has that too, under its real name.
  std::binary_semaphore result_ready(0);
  int result = 0;
  std::jthread worker([&] {
    result = 6 * 7;
    result_ready.release();  // released by a thread that never acquired it: fine for a semaphore
  });
  result_ready.acquire();  // the main thread acquires what the worker releases: a hand-off
  std::cout << "  std::binary_semaphore: the worker released, main acquired; result " << result << ".\n"
            << "  (A std::mutex may only be unlocked by the thread that locked it: anything else is undefined.)\n";
  l04::RLock lock;
  lock.acquire();
  std::string verdict;
  std::thread([&] {
    try {
      lock.release();
      verdict = "released it (an owner check is missing)";
    } catch (const l04::ThreadError& error) {
      verdict = std::string("ThreadError: ") + error.what();
    }
  }).join();
  std::cout << "  your RLock, released by another thread: " << verdict << "\n";
  lock.release();
  std::cout << '\n';
}

void part_phases(threadlings::TraceRecorder& trace) {
  std::cout << "4. Your Event and Barrier: three workers wait for a start signal, then meet after each of 3 phases.\n";
  l04::Event start;
  int phase = 0;  // written only by the action, which runs while every worker waits at the barrier
  l04::Barrier barrier(3, [&] { say("-- the action: phase " + std::to_string(phase++) + " complete, once"); });
  std::vector<std::exception_ptr> failures(3);
  {
    std::vector<std::jthread> workers;
    for (std::size_t w = 0; w < 3; ++w) {
      workers.emplace_back([&, w] {
        trace.name_thread("worker " + std::to_string(w));
        try {
          start.wait();
          for (int p = 0; p < 3; ++p) {
            auto span = trace.span("phase " + std::to_string(p));
            const std::size_t index = barrier.wait();
            if (index == 0) say("worker " + std::to_string(w) + " got index 0: it could do the phase's bookkeeping");
          }
        } catch (...) {
          failures[w] = std::current_exception();
          barrier.abort();
        }
      });
    }
    say("main: start.set()");
    start.set();
  }
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

int demo(const threadlings::DemoOptions& options) {
  threadlings::TraceRecorder trace;
  trace.name_thread("main");
  part_deadlock(options, trace);
  part_transfer(options, trace);
  part_ownership();
  part_phases(trace);
  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 04: deadlock and its cure, lock ownership, Event and Barrier", demo);
}
