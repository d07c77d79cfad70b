// Lesson 12: fetch_all(), I/O-bound requests on a bounded pool of threads. The fetches here block on
// signals the test controls instead of the network, so every order the tests need is forced.
#include "fetch_all.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/start_gate.hpp"  // Signal, ReleaseOnExit
#include "threadlings/testing/thread_state.hpp"

#include "test_support.hpp"

namespace {

using threadlings::lesson12::Fetch;
using threadlings::lesson12::fetch_all;
using lesson12_test::Rendezvous;
using threadlings::testing::ObservedThread;
using threadlings::testing::Signal;

std::string upper(const std::string& text) {
  std::string result = text;
  for (char& c : result) c = static_cast<char>(c - 'a' + 'A');
  return result;
}

// Responses come back in request order, although the requests finish in the opposite order.
TEST(FetchAll, ReturnsResponsesInRequestOrderWhateverOrderTheyFinishIn) {
  Signal c_finished;
  Signal b_finished;
  const std::vector<std::string> responses = fetch_all(
      {"a", "b", "c"},
      [&](const std::string& request) {
        if (request == "a") b_finished.wait();
        if (request == "b") c_finished.wait();
        const std::string response = upper(request);
        if (request == "c") c_finished.notify();
        if (request == "b") b_finished.notify();
        return response;
      },
      3);
  EXPECT_EQ(responses, (std::vector<std::string>{"A", "B", "C"}));
}

// max_in_flight fetches run at the same time: the first three wait until all three are in flight.
TEST(FetchAll, RunsMaxInFlightFetchesAtOnce) {
  Rendezvous rendezvous;
  std::vector<std::string> responses;
  ObservedThread runner([&] {
    try {
      responses = fetch_all(
          {"a", "b", "c", "d", "e", "f"},
          [&](const std::string& request) {
            rendezvous.arrive_and_wait();
            return upper(request);
          },
          3);
    } catch (...) {
      rendezvous.call_ended();
      throw;
    }
  });
  EXPECT_EQ(rendezvous.wait_for_arrivals(3), 3U) << "the call ended before three fetches were in flight";
  rendezvous.open();
  runner.join();
  EXPECT_EQ(responses, (std::vector<std::string>{"A", "B", "C", "D", "E", "F"}));
}

// Runs fetch_all(`requests` requests, max_in_flight) with every fetch held at a gate, and returns
// how many fetches were in flight at most and how many threads fetch_all started, counted once the
// call is waiting and every thread it started is blocked (a thread that can still run would have
// entered a fetch by then). Releases the fetches before returning.
struct PoolShape {
  int peak_in_flight = 0;
  std::size_t threads_started = 0;
};
PoolShape shape_of_pool(std::size_t requests, unsigned max_in_flight) {
  const std::size_t expected = std::min<std::size_t>(requests, max_in_flight);
  std::mutex mutex;
  std::condition_variable changed;
  int in_flight = 0;
  PoolShape shape;
  bool call_ended = false;
  Signal release;
  const std::vector<pid_t> before = threadlings::testing::thread_ids();
  ObservedThread runner([&] {
    const auto end_call = [&] {
      const std::lock_guard lock(mutex);
      call_ended = true;
      changed.notify_all();
    };
    try {
      (void)fetch_all(
        std::vector<std::string>(requests, "x"),
        [&](const std::string& request) {
          {
            const std::lock_guard lock(mutex);
            shape.peak_in_flight = std::max(shape.peak_in_flight, ++in_flight);
            changed.notify_all();
          }
          release.wait();
          const std::lock_guard lock(mutex);
          --in_flight;
          return request;
        },
        max_in_flight);
    } catch (...) {
      end_call();
      throw;
    }
    end_call();
  });
  threadlings::testing::ReleaseOnExit release_on_exit(release);
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return in_flight >= static_cast<int>(expected) || call_ended; });
    if (call_ended) {
      ADD_FAILURE() << "fetch_all() returned before " << expected << " fetches were in flight";
      return shape;  // the runner's exception, if any, fails the test when it is joined
    }
  }
  EXPECT_TRUE(runner.blocked()) << "fetch_all() does not wait for its workers";
  std::vector<pid_t> started;
  for (const pid_t tid : threadlings::testing::thread_ids()) {
    if (tid != runner.tid() && std::find(before.begin(), before.end(), tid) == before.end()) started.push_back(tid);
  }
  for (const pid_t tid : started) EXPECT_TRUE(threadlings::testing::wait_until_blocked(tid));
  shape.threads_started = started.size();
  release.notify();
  runner.join();
  return shape;
}

// A bounded pool: with every fetch held, never more in flight, and never more threads, than
// max_in_flight; and never more threads than there are requests.
TEST(FetchAll, StartsNoMoreThreadsThanMaxInFlightOrRequests) {
  const PoolShape twenty = shape_of_pool(20, 2);
  EXPECT_EQ(twenty.peak_in_flight, 2);
  EXPECT_EQ(twenty.threads_started, 2U);
  const PoolShape two = shape_of_pool(2, 10);
  EXPECT_EQ(two.peak_in_flight, 2);
  EXPECT_EQ(two.threads_started, 2U);
}

// With one fetch in flight, the requests start one after the other in request order.
TEST(FetchAll, StartsRequestsInRequestOrder) {
  std::vector<std::string> started;
  const std::vector<std::string> requests = {"d", "a", "c", "b", "e"};
  (void)fetch_all(
      requests,
      [&](const std::string& request) {
        started.push_back(request);  // one fetch at a time: no lock needed
        return request;
      },
      1);
  EXPECT_EQ(started, requests);
}

// A failed fetch's exception reaches the caller as it was thrown.
TEST(FetchAll, RethrowsTheExceptionOfAFailedFetch) {
  EXPECT_THAT(
      [] {
        (void)fetch_all(
            {"ok", "bad", "ok"},
            [](const std::string& request) -> std::string {
              if (request == "bad") throw std::domain_error("404 for bad");
              return request;
            },
            2);
      },
      testing::ThrowsMessage<std::domain_error>(testing::StrEq("404 for bad")));
}

// Waits until thread `tid` of this process has ended (its /proc/self/task entry is gone), or until
// `limit` has passed; observes again and again, never sleeps a guessed time.
void wait_until_thread_ended(pid_t tid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  while (std::filesystem::exists(task) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
}

// Two failures: the caller gets the error of the earlier request, although the later one failed first.
// The first request fails only once the worker that ran the second has ended: by then fetch_all has
// recorded the second failure. (A pool that keeps its workers until the end lets the first fail after
// a generous bound instead: the expected error is the same.)
TEST(FetchAll, RethrowsTheErrorOfTheEarliestFailedRequest) {
  Signal second_failed;
  pid_t second_worker = 0;  // written before second_failed.notify(), read after its wait()
  EXPECT_THAT(
      [&] {
        (void)fetch_all(
            {"first", "second"},
            [&](const std::string& request) -> std::string {
              if (request == "second") {
                second_worker = threadlings::testing::current_tid();
                second_failed.notify();
                throw std::runtime_error("second failed");
              }
              second_failed.wait();
              wait_until_thread_ended(second_worker, std::chrono::seconds(10));
              throw std::runtime_error("first failed");
            },
            2);
      },
      testing::ThrowsMessage<std::runtime_error>(testing::StrEq("first failed")));
}

// After a failure no new request starts (Python: cancel_futures); the one in flight was allowed to end.
TEST(FetchAll, StartsNoRequestAfterAFailure) {
  std::vector<std::string> started;
  EXPECT_THROW((void)fetch_all(
                   {"a", "bad", "c", "d"},
                   [&](const std::string& request) -> std::string {
                     started.push_back(request);  // one fetch at a time
                     if (request == "bad") throw std::runtime_error("bad");
                     return request;
                   },
                   1),
               std::runtime_error);
  EXPECT_EQ(started, (std::vector<std::string>{"a", "bad"}));
}

// No requests: no fetch, no thread, an empty answer.
TEST(FetchAll, NoRequestsGiveNoResponsesAndNoFetch) {
  std::atomic<int> calls{0};
  const std::vector<std::string> responses = fetch_all(
      {},
      [&](const std::string& request) {
        ++calls;
        return request;
      },
      4);
  EXPECT_TRUE(responses.empty());
  EXPECT_EQ(calls, 0);
}

// Misuse is reported before anything starts, naming the argument.
TEST(FetchAll, RejectsZeroMaxInFlightAndAnEmptyFetch) {
  const Fetch echo = [](const std::string& request) { return request; };
  EXPECT_THAT([&] { (void)fetch_all({"a"}, echo, 0); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("max_in_flight")));
  EXPECT_THAT([] { (void)fetch_all({"a"}, Fetch{}, 2); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("fetch")));
}

}  // namespace
