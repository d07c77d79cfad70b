// Lesson 12: one job on threads and on processes. The tests force "at the same time" with gates the
// workers wait at (a worker run alone would wait for ever, and the watchdog reports it), never with
// timing; the process tests derive from NoLeaksTest, so a child left unreaped or a pipe left open fails.
#include "parallel.hpp"

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/start_gate.hpp"  // Signal

#include "test_support.hpp"

namespace {

using namespace threadlings::lesson12;
using lesson12_test::Rendezvous;
using threadlings::testing::ObservedThread;

class RunInProcesses : public threadlings::testing::NoLeaksTest {};
class ParallelCountPrimes : public threadlings::testing::NoLeaksTest {};

// Results come back in worker order, one per worker.
TEST(RunInThreads, ReturnsOneResultPerWorkerInWorkerOrder) {
  const std::vector<std::uint64_t> results = run_in_threads(5, [](unsigned worker) { return 10 * worker + 1; });
  EXPECT_EQ(results, (std::vector<std::uint64_t>{1, 11, 21, 31, 41}));
}

// All workers run at the same time, each on a thread of its own: each job waits at a gate that opens
// only once every job has arrived.
TEST(RunInThreads, RunsEveryWorkerAtTheSameTimeOnItsOwnThread) {
  constexpr unsigned kWorkers = 4;
  Rendezvous rendezvous;
  std::vector<std::thread::id> ids(kWorkers);
  std::vector<std::uint64_t> results;
  ObservedThread runner([&] {
    try {
      results = run_in_threads(kWorkers, [&](unsigned worker) {
        ids[worker] = std::this_thread::get_id();
        rendezvous.arrive_and_wait();
        return std::uint64_t{worker};
      });
    } catch (...) {
      rendezvous.call_ended();
      throw;
    }
  });
  EXPECT_EQ(rendezvous.wait_for_arrivals(kWorkers), kWorkers) << "the call ended before all jobs were running";
  rendezvous.open();
  runner.join();
  EXPECT_EQ(results, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  const std::set<std::thread::id> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), kWorkers);
  EXPECT_FALSE(distinct.contains(std::this_thread::get_id()));
}

// A job's exception reaches the caller as it was thrown, and only after every worker has finished:
// worker 2 throws at once, worker 0 finishes only after that, and its work is not lost.
TEST(RunInThreads, RethrowsAJobsExceptionAfterEveryWorkerHasFinished) {
  threadlings::testing::Signal two_threw;
  std::atomic<bool> zero_finished{false};
  EXPECT_THAT(
      [&] {
        (void)run_in_threads(3, [&](unsigned worker) -> std::uint64_t {
          if (worker == 2) {
            two_threw.notify();
            throw std::out_of_range("worker two gave up");
          }
          if (worker == 0) {
            two_threw.wait();
            zero_finished = true;
          }
          return worker;
        });
      },
      testing::ThrowsMessage<std::out_of_range>(testing::StrEq("worker two gave up")));
  EXPECT_TRUE(zero_finished) << "run_in_threads() threw before worker 0 had finished";
}

// With several failures, the lowest-numbered worker's exception wins, whatever the timing.
TEST(RunInThreads, RethrowsTheLowestNumberedWorkersException) {
  threadlings::testing::Signal three_threw;
  EXPECT_THAT(
      [&] {
        (void)run_in_threads(4, [&](unsigned worker) -> std::uint64_t {
          if (worker == 3) {
            three_threw.notify();
            throw std::runtime_error("three");
          }
          if (worker == 1) {
            three_threw.wait();  // worker 1 fails after worker 3, and is still the one reported
            throw std::runtime_error("one");
          }
          return worker;
        });
      },
      testing::ThrowsMessage<std::runtime_error>(testing::StrEq("one")));
}

// Misuse is reported before anything starts.
TEST(RunInThreads, RejectsZeroWorkersAndAnEmptyJob) {
  EXPECT_THROW((void)run_in_threads(0, [](unsigned) { return std::uint64_t{0}; }), std::invalid_argument);
  EXPECT_THROW((void)run_in_threads(2, Job{}), std::invalid_argument);
}

// Results cross the process boundary as bytes and come back in worker order.
TEST_F(RunInProcesses, ReturnsOneResultPerWorkerInWorkerOrder) {
  const std::vector<std::uint64_t> results =
      run_in_processes(4, [](unsigned worker) { return std::uint64_t{worker} * worker + 0x1'0000'0000ULL; });
  EXPECT_EQ(results, (std::vector<std::uint64_t>{0x1'0000'0000ULL, 0x1'0000'0001ULL, 0x1'0000'0004ULL,
                                                 0x1'0000'0009ULL}));
}

// Each job runs in a process of its own, not in the caller's.
TEST_F(RunInProcesses, RunsEachWorkerInAProcessOfItsOwn) {
  const std::vector<std::uint64_t> pids =
      run_in_processes(3, [](unsigned) { return static_cast<std::uint64_t>(::getpid()); });
  const std::set<std::uint64_t> distinct(pids.begin(), pids.end());
  EXPECT_EQ(distinct.size(), 3U);
  EXPECT_FALSE(distinct.contains(static_cast<std::uint64_t>(::getpid())));
}

// All children run at the same time: each writes a byte 1 to `arrived`, then waits for a byte on
// `go`, which the test sends only when every child has arrived. When the call ends, the test's runner
// writes bytes 2, so that the test never waits for children that will not come.
TEST_F(RunInProcesses, RunsEveryWorkerAtTheSameTime) {
  constexpr unsigned kWorkers = 3;
  const threadlings::Pipe arrived = threadlings::make_pipe();
  const threadlings::Pipe go = threadlings::make_pipe();
  const std::vector<std::byte> ended(kWorkers, std::byte{2});
  std::vector<std::uint64_t> results;
  {
    ObservedThread runner([&] {
      try {
        results = run_in_processes(kWorkers, [&](unsigned worker) {
          const std::byte byte{1};
          threadlings::write_all(arrived.write_end.get(), std::span(&byte, 1));
          std::byte received{};
          if (threadlings::read_full(go.read_end.get(), std::span(&received, 1)) != 1) return std::uint64_t{999};
          return std::uint64_t{worker};
        });
      } catch (...) {
        threadlings::write_all(arrived.write_end.get(), ended);
        throw;
      }
    });
    std::vector<std::byte> arrivals(kWorkers);
    EXPECT_EQ(threadlings::read_full(arrived.read_end.get(), arrivals), kWorkers);
    const std::vector<std::byte> go_bytes(kWorkers, std::byte{1});
    threadlings::write_all(go.write_end.get(), go_bytes);
    runner.join();
    EXPECT_EQ(arrivals, std::vector<std::byte>(kWorkers, std::byte{1})) << "the call ended before all children ran";
  }
  EXPECT_EQ(results, (std::vector<std::uint64_t>{0, 1, 2}));
}

// A job that throws: WorkerFailed names the worker and carries the exception's text.
TEST_F(RunInProcesses, ReportsAJobThatThrowsWithItsMessage) {
  try {
    (void)run_in_processes(3, [](unsigned worker) -> std::uint64_t {
      if (worker == 1) throw std::runtime_error("no route to host");
      return worker;
    });
    FAIL() << "run_in_processes() returned although worker 1 threw";
  } catch (const WorkerFailed& failure) {
    EXPECT_EQ(failure.worker(), 1U);
    EXPECT_THAT(failure.what(), testing::HasSubstr("worker 1"));
    EXPECT_THAT(failure.what(), testing::HasSubstr("no route to host"));
  }
}

// A child killed by a signal delivers no result: WorkerFailed names the worker and the signal, and
// the other children are still reaped (NoLeaksTest checks).
TEST_F(RunInProcesses, ReportsAWorkerKilledByASignal) {
  try {
    (void)run_in_processes(3, [](unsigned worker) -> std::uint64_t {
      if (worker == 2) ::raise(SIGKILL);
      return worker;
    });
    FAIL() << "run_in_processes() returned although worker 2 was killed";
  } catch (const WorkerFailed& failure) {
    EXPECT_EQ(failure.worker(), 2U);
    EXPECT_THAT(failure.what(), testing::HasSubstr("signal 9"));
  }
}

// A child that exits without writing its result is a failure too, not a result of 0.
TEST_F(RunInProcesses, ReportsAWorkerThatExitsWithoutAResult) {
  try {
    (void)run_in_processes(2, [](unsigned worker) -> std::uint64_t {
      if (worker == 0) ::_exit(0);  // even a "successful" exit: the result is missing
      return worker;
    });
    FAIL() << "run_in_processes() returned although worker 0 sent nothing";
  } catch (const WorkerFailed& failure) {
    EXPECT_EQ(failure.worker(), 0U);
    EXPECT_THAT(failure.what(), testing::HasSubstr("worker 0"));
  }
}

// Misuse is reported before anything is forked.
TEST_F(RunInProcesses, RejectsZeroWorkersAndAnEmptyJob) {
  EXPECT_THROW((void)run_in_processes(0, [](unsigned) { return std::uint64_t{0}; }), std::invalid_argument);
  EXPECT_THROW((void)run_in_processes(2, Job{}), std::invalid_argument);
}

// Threads and processes count the same primes as the serial loop, for any number of workers; the
// limits are prime (the limit itself counts) or end just after a block.
TEST_F(ParallelCountPrimes, MatchesTheSerialCountWithThreadsAndWithProcesses) {
  for (const std::uint64_t limit : {2U, 1'000U, 7'919U, 100'003U}) {
    const std::uint64_t serial = count_primes_up_to(limit);
    for (const unsigned workers : {1U, 2U, 3U, 8U}) {
      EXPECT_EQ(parallel_count_primes(limit, workers, Model::kThreads, 1'000), serial)
          << "threads: limit " << limit << ", " << workers << " workers";
      EXPECT_EQ(parallel_count_primes(limit, workers, Model::kProcesses, 1'000), serial)
          << "processes: limit " << limit << ", " << workers << " workers";
    }
  }
}

// Misuse is reported once, by the caller, not by each worker.
TEST_F(ParallelCountPrimes, RejectsZeroWorkersAndAZeroBlockSize) {
  EXPECT_THROW((void)parallel_count_primes(100, 0, Model::kThreads), std::invalid_argument);
  EXPECT_THROW((void)parallel_count_primes(100, 2, Model::kProcesses, 0), std::invalid_argument);
}

}  // namespace
