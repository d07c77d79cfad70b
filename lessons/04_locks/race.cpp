// Lesson 04 demo: a race, made visible. First a seeded scheduler runs counter += 1, spelled out as load,
// add and store, on two logical threads (in the spirit of OSTEP's x86.py): the same --seed replays the same
// interleaving, and the trace shows where updates are lost; then the same steps under a lock. Then real
// threads: a racy counter, a std::mutex, a std::atomic<int>.
//
//   build/reference/demos/solution/04_locks/race [--seed N] [--quick] [--trace race.json]
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <latch>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "threadlings/demo.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"

namespace {

// ---- Part 1: a simulated machine whose scheduler we control ------------------------------------------

/// One step of a logical thread: the three parts of counter += 1, and, with a lock, taking and giving it.
enum class Op { acquire, load, add, store, release };

/// A logical thread: a program counter into its step list, a register, and how many increments are left.
struct LogicalThread {
  std::size_t pc = 0;
  int reg = 0;
  int increments_left = 0;
};

struct RunResult {
  int counter = 0;
  int expected = 0;
  int lost = 0;
};

/// Runs `threads` logical threads, each doing `increments` times counter += 1, choosing at every step which
/// thread goes next with a Mersenne Twister seeded by `seed` (std::mt19937's sequence is fixed by the
/// standard, so a seed replays the same schedule on every machine). With `locked`, each increment is
/// acquire, load, add, store, release, and a thread whose acquire finds the lock taken waits (its turn is
/// spent, it does not advance). With `out`, prints one line per step.
RunResult simulate(std::uint32_t seed, int threads, int increments, bool locked, std::ostream* out) {
  const std::vector<Op> body = locked ? std::vector<Op>{Op::acquire, Op::load, Op::add, Op::store, Op::release}
                                      : std::vector<Op>{Op::load, Op::add, Op::store};
  std::vector<LogicalThread> team(static_cast<std::size_t>(threads));
  for (auto& t : team) t.increments_left = increments;
  std::mt19937 rng(seed);
  int counter = 0;
  int lock_holder = -1;  // which logical thread holds the lock, -1 when free
  constexpr int kColumn = 26;
  if (out) {
    *out << "     step  ";
    for (int t = 0; t < threads; ++t) *out << std::left << std::setw(kColumn) << ("thread " + std::to_string(t));
    *out << "counter\n";
  }
  int step = 0;
  for (;;) {
    std::vector<int> runnable;
    for (int t = 0; t < threads; ++t) {
      if (team[static_cast<std::size_t>(t)].increments_left > 0) runnable.push_back(t);
    }
    if (runnable.empty()) break;
    const int t = runnable[rng() % runnable.size()];  // the scheduler's choice: the only source of chance
    auto& me = team[static_cast<std::size_t>(t)];
    const Op op = body[me.pc];
    std::string what;
    bool advanced = true;
    switch (op) {
      case Op::acquire:
        if (lock_holder == -1) {
          lock_holder = t;
          what = "acquire (got it)";
        } else {
          advanced = false;
          what = "acquire (taken: waits)";
        }
        break;
      case Op::load:
        me.reg = counter;
        what = "load  r = " + std::to_string(me.reg);
        break;
      case Op::add:
        ++me.reg;
        what = "add   r = " + std::to_string(me.reg);
        break;
      case Op::store:
        // A store of a value no greater than the counter overwrites updates this thread never loaded.
        what = "store " + std::to_string(me.reg) + (me.reg <= counter ? "  (lost!)" : "");
        counter = me.reg;
        break;
      case Op::release:
        lock_holder = -1;
        what = "release";
        break;
    }
    if (advanced && ++me.pc == body.size()) {
      me.pc = 0;
      --me.increments_left;
    }
    ++step;
    if (out) {
      *out << "     " << std::right << std::setw(4) << step << "  ";
      for (int column = 0; column < threads; ++column) {
        *out << std::left << std::setw(kColumn) << (column == t ? what : "");
      }
      *out << counter << '\n';
    }
  }
  const int expected = threads * increments;
  return {counter, expected, expected - counter};
}

void part_one(std::uint32_t seed, bool quick) {
  std::cout << "1. counter += 1 is three steps: load the counter into a register, add 1, store it back.\n"
               "   A scheduler picks, at each step, which thread goes next; here it is a seeded random one,\n"
               "   so --seed " << seed << " replays exactly this interleaving.\n\n";
  std::cout << "   seed " << seed << ", 2 threads x 3 increments, no lock:\n";
  const RunResult small = simulate(seed, 2, 3, false, &std::cout);
  std::cout << "   final count " << small.counter << ", expected " << small.expected << ": " << small.lost
            << " update(s) lost. A lost update is a store that overwrites a value it never loaded:\n"
               "   look for two loads of the same value before either thread stores.\n\n";

  const int increments = quick ? 100 : 1000;
  std::cout << "   2 threads x " << increments << " increments, no lock, seeds " << seed << ".." << seed + 4 << ":\n";
  for (std::uint32_t s = seed; s < seed + 5; ++s) {
    const RunResult r = simulate(s, 2, increments, false, nullptr);
    std::cout << "     seed " << std::right << std::setw(3) << s << ": expected " << r.expected << ", got " << r.counter << " ("
              << r.lost << " lost)\n";
  }

  std::cout << "\n   The same steps inside acquire ... release. The scheduler still switches threads in the middle\n"
               "   (look for steps of the other thread between a load and its store), but a thread that reaches\n"
               "   acquire while the lock is taken waits, so no one else can load until the holder has stored.\n\n";
  std::cout << "   seed " << seed << ", 2 threads x 2 increments, with a lock:\n";
  const RunResult locked = simulate(seed, 2, 2, true, &std::cout);
  std::cout << "   final count " << locked.counter << ", expected " << locked.expected << ".\n\n";
  std::cout << "   2 threads x " << increments << " increments, with a lock, seeds " << seed << ".." << seed + 4 << ":\n";
  for (std::uint32_t s = seed; s < seed + 5; ++s) {
    const RunResult r = simulate(s, 2, increments, true, nullptr);
    std::cout << "     seed " << std::right << std::setw(3) << s << ": expected " << r.expected << ", got " << r.counter << '\n';
  }
  std::cout << '\n';
}

// ---- Part 2: real threads --------------------------------------------------------------------------

/// The racy increment, without undefined behaviour: an atomic load, then an atomic store, relaxed. Between
/// the two, another thread may store: that update is lost, exactly as with a plain int. (A plain int read
/// and written by two threads is a data race, which C++ makes undefined behaviour: the compiler may, for
/// instance, turn the whole loop into one addition. This version loses updates the honest way, and
/// ThreadSanitizer has nothing to report.)
void racy_increment(int& counter) {
  std::atomic_ref<int> shared(counter);
  shared.store(shared.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

struct Measured {
  int counter = 0;
  double seconds = 0;
};

/// Runs `increment` `increments` times on each of `threads` threads; returns the seconds it took.
template <class Increment>
double run_threads(threadlings::TraceRecorder& trace, const std::string& label, int threads, int increments,
                     Increment increment) {
  std::latch ready(threads + 1);  // every thread starts counting at the same moment: the overlap is the point
  threadlings::Stopwatch stopwatch;
  {
    std::vector<std::jthread> team;
    for (int t = 0; t < threads; ++t) {
      team.emplace_back([&, t] {
        trace.name_thread("worker " + std::to_string(t));
        ready.arrive_and_wait();
        auto span = trace.span(label);
        for (int i = 0; i < increments; ++i) increment();
      });
    }
    ready.arrive_and_wait();
    stopwatch.restart();
  }
  return stopwatch.elapsed_seconds();
}

void part_two(threadlings::TraceRecorder& trace, bool quick) {
  const int threads = 4;
  const int increments = quick ? 20'000 : 2'000'000;
  const int expected = threads * increments;
  std::cout << "2. Real threads: " << threads << " std::threads x " << increments << " increments each, expected "
            << expected << ".\n";

  int racy = 0;
  const double racy_seconds = run_threads(trace, "racy load + store", threads, increments, [&] { racy_increment(racy); });
  const Measured r{racy, racy_seconds};  // read after the threads are joined

  int guarded = 0;
  std::mutex guard;
  const double guarded_seconds = run_threads(trace, "std::mutex", threads, increments, [&] {
    const std::scoped_lock lock(guard);
    ++guarded;
  });
  const Measured m{guarded, guarded_seconds};

  std::atomic<int> atomic{0};
  const double atomic_seconds = run_threads(trace, "std::atomic fetch_add", threads, increments,
                                            [&] { atomic.fetch_add(1, std::memory_order_relaxed); });
  const Measured a{atomic.load(), atomic_seconds};

  const auto row = [&](const char* what, const Measured& x) {
    std::ostringstream time;
    time << std::fixed << std::setprecision(2) << x.seconds / a.seconds << "x";
    std::cout << "   " << std::left << std::setw(40) << what << std::right << std::setw(10) << x.counter
              << std::setw(10) << expected - x.counter << std::setw(12) << time.str() << '\n';
  };
  std::cout << "   " << std::left << std::setw(40) << "counter" << std::right << std::setw(10) << "got"
            << std::setw(10) << "lost" << std::setw(12) << "time" << '\n';
  row("load; store (a race, made legal)", r);
  row("++ under std::scoped_lock(std::mutex)", m);
  row("std::atomic<int>::fetch_add", a);
  std::cout << "   (time relative to fetch_add, measured in this run. The race loses updates whenever two threads\n"
               "   run at once; the mutex and the atomic never do. On one core, or with --quick, the loss may be\n"
               "   small or zero: a race is a possibility, not a promise.)\n";
}

int demo(const threadlings::DemoOptions& options, std::uint32_t seed) {
  threadlings::TraceRecorder trace;
  trace.name_thread("main");
  part_one(seed, options.quick);
  part_two(trace, options.quick);
  threadlings::save_trace(options, trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // --seed N is this demo's own flag; the rest (--quick, --trace, --help) go to run_demo.
  std::uint32_t seed = 7;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    std::string_view value;
    if (arg == "--seed" && i + 1 < argc) {
      value = argv[++i];
    } else if (arg.starts_with("--seed=")) {
      value = arg.substr(7);
    } else {
      rest.push_back(argv[i]);
      continue;
    }
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seed);
    if (error != std::errc{} || end != value.data() + value.size()) {
      std::cerr << "race: --seed takes a whole number from 0 to 4294967295, not '" << value << "'\n";
      return 2;
    }
  }
  return threadlings::run_demo(static_cast<int>(rest.size()), rest.data(),
                               "Lesson 04: a race, replayed by a seeded scheduler (--seed N), then fixed; real "
                               "threads with a racy counter, a mutex, an atomic",
                               [seed](const threadlings::DemoOptions& options) { return demo(options, seed); });
}
