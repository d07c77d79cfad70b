#pragma once
/// @file
/// Latch-based gates that let a test decide when its threads run (never a sleep).

#include <cstddef>
#include <latch>

namespace threadlings::testing {

/// Holds a known number of worker threads at the gate until the test opens it, so that all of them
/// start their critical part together (or, with wait_until_all_arrived(), so that the test knows each
/// worker has reached a given point before it checks anything).
///
/// ```cpp
/// StartGate gate(2);
/// std::thread a([&] { gate.arrive_and_wait(); work(); });
/// std::thread b([&] { gate.arrive_and_wait(); work(); });
/// gate.wait_until_all_arrived();   // both are parked at the gate
/// gate.open();                     // release them at once
/// ```
///
/// @threadsafety All member functions may be called from any thread. Each worker calls
/// arrive_and_wait() exactly once; more arrivals than `workers` is undefined (as for std::latch).
class StartGate {
 public:
  explicit StartGate(std::ptrdiff_t workers) : arrived_(workers), opened_(1) {}

  /// Called by a worker: counts it as arrived, then blocks until open().
  void arrive_and_wait() {
    arrived_.count_down();
    opened_.wait();
  }
  /// Called by the test: blocks until every worker has arrived.
  void wait_until_all_arrived() { arrived_.wait(); }
  /// Called by the test: releases every worker, present and future.
  void open() { opened_.count_down(); }

 private:
  std::latch arrived_;
  std::latch opened_;
};

/// A one-shot signal between two threads: one thread notify()s, another wait()s for it.
/// @threadsafety notify() at most once; wait() from any number of threads.
class Signal {
 public:
  void notify() { latch_.count_down(); }
  void wait() { latch_.wait(); }
  [[nodiscard]] bool notified() const noexcept { return latch_.try_wait(); }

 private:
  std::latch latch_{1};
};

/// Notifies `signal` when the scope ends, unless the test already did: a test that fails half-way
/// still releases the worker it holds, so that the worker can be joined instead of hanging.
/// Declare it after the thread it releases (it must be destroyed first).
///
/// @threadsafety Owned by the test's main thread; `signal` must outlive it.
class ReleaseOnExit {
 public:
  explicit ReleaseOnExit(Signal& signal) : signal_(signal) {}
  ~ReleaseOnExit() {
    if (!signal_.notified()) signal_.notify();
  }
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;

 private:
  Signal& signal_;
};

}  // namespace threadlings::testing
