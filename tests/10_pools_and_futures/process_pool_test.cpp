// Lesson 10: the process Pool. Every test derives from NoLeaksTest: a worker left unreaped or a pipe
// left open fails it. Workers that die do so on purpose (SIGKILL, _exit) for one chosen item.
#include "process_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <csignal>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>


#include "threadlings/testing/forked_child.hpp"
#include "threadlings/testing/no_leaks.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson10;
using threadlings::testing::ForkedChild;

class ProcessPool : public threadlings::testing::NoLeaksTest {};

long square(const long& x) { return x * x; }
pid_t worker_pid(const int&) { return ::getpid(); }
int killed_at_seven(const int& x) {
  if (x == 7) ::raise(SIGKILL);
  return x;
}
int exits_at_five(const int& x) {
  if (x == 5) ::_exit(3);
  return x;
}
int throws_at_four(const int& x) {
  if (x == 4) throw std::runtime_error("four is unlucky");
  return x;
}
struct Point {
  double x;
  double y;
};
Point swap_point(const Point& p) { return Point{p.y, p.x}; }

// The pipes ("pipe:[inode]") that process `who` ("self" or a pid) has open.
std::set<std::string> pipes_of(const std::string& who) {
  std::set<std::string> pipes;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + who + "/fd")) {
    std::error_code ignored;
    const std::string target = std::filesystem::read_symlink(entry.path(), ignored).string();
    if (target.starts_with("pipe:")) pipes.insert(target);
  }
  return pipes;
}

// True when `pid` is no longer our child to reap (it was reaped already).
bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

// CPython's rule: divmod(len, 4 * workers), rounded up when there is a remainder; 0 items give 0.
TEST_F(ProcessPool, DefaultChunksizeFollowsCPython) {
  EXPECT_EQ(Pool::default_chunksize(0, 4), 0U);
  EXPECT_EQ(Pool::default_chunksize(1, 4), 1U);
  EXPECT_EQ(Pool::default_chunksize(8, 2), 1U);
  EXPECT_EQ(Pool::default_chunksize(9, 2), 2U);
  EXPECT_EQ(Pool::default_chunksize(10, 2), 2U);
  EXPECT_EQ(Pool::default_chunksize(100, 4), 7U);
  EXPECT_EQ(Pool::default_chunksize(96, 4), 6U);
}

// map() returns fn(item) for every item, in input order.
TEST_F(ProcessPool, MapReturnsResultsInInputOrder) {
  Pool pool(3);
  std::vector<long> items(1000);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<long>(i);
  const std::vector<long> results = pool.map(square, items);
  ASSERT_EQ(results.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(results[i], items[i] * items[i]) << i;
}

// Nothing to map gives nothing back.
TEST_F(ProcessPool, MapOfNoItemsReturnsNothing) {
  Pool pool(2);
  EXPECT_TRUE(pool.map(square, std::vector<long>{}).empty());
}

// The function runs in the workers, not in the calling process.
TEST_F(ProcessPool, MapRunsInTheWorkerProcesses) {
  Pool pool(2);
  const std::vector<pid_t> pids = pool.map(worker_pid, std::vector<int>(40, 0));
  for (pid_t pid : pids) {
    EXPECT_NE(pid, ::getpid());
    EXPECT_NE(std::find(pool.worker_pids().begin(), pool.worker_pids().end(), pid), pool.worker_pids().end());
  }
}

// A chunk goes whole to one worker: with chunksize 5, items 0-4, 5-9, ... each share a process.
TEST_F(ProcessPool, EachChunkRunsInOneWorker) {
  Pool pool(3);
  const std::vector<pid_t> pids = pool.map(worker_pid, std::vector<int>(30, 0), 5);
  for (std::size_t i = 0; i < pids.size(); ++i) EXPECT_EQ(pids[i], pids[i - i % 5]) << i;
}

// Plain structs cross the boundary as bytes.
TEST_F(ProcessPool, TriviallyCopyableStructsCrossAsBytes) {
  Pool pool(2);
  const std::vector<Point> out = pool.map(swap_point, std::vector<Point>{{1, 2}, {3, 4}, {5, 6}}, 1);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out[2].x, 6);
  EXPECT_EQ(out[2].y, 5);
}

// Zero processes or a zero chunksize are refused.
TEST_F(ProcessPool, ZeroProcessesOrChunksizeThrowInvalidArgument) {
  EXPECT_THROW(Pool(0), std::invalid_argument);
  Pool pool(1);
  EXPECT_THROW((void)pool.map(square, std::vector<long>{1}, 0), std::invalid_argument);
}

// A worker killed by a signal mid-task breaks the pool, naming the worker and the signal; no hang.
TEST_F(ProcessPool, WorkerKilledMidTaskBreaksThePool) {
  Pool pool(2);
  std::vector<int> items(20);
  for (int i = 0; i < 20; ++i) items[static_cast<std::size_t>(i)] = i;
  try {
    (void)pool.map(killed_at_seven, items, 1);
    FAIL() << "map() returned";
  } catch (const BrokenProcessPool& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("SIGKILL"), std::string::npos) << text;
    bool names_a_worker = false;
    for (pid_t pid : pool.worker_pids()) names_a_worker |= text.find(std::to_string(pid)) != std::string::npos;
    EXPECT_TRUE(names_a_worker) << text;
  }
}

// A worker that calls _exit mid-task breaks the pool, naming its exit status.
TEST_F(ProcessPool, WorkerExitMidTaskBreaksThePoolNamingItsStatus) {
  Pool pool(2);
  try {
    (void)pool.map(exits_at_five, std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}, 2);
    FAIL() << "map() returned";
  } catch (const BrokenProcessPool& e) {
    EXPECT_NE(std::string(e.what()).find("exited with status 3"), std::string::npos) << e.what();
  }
}

// After a worker died every worker is reaped at once, and the pool refuses later maps.
TEST_F(ProcessPool, BrokenPoolReapsEveryWorkerAndRefusesLaterMaps) {
  Pool pool(3);
  EXPECT_THROW((void)pool.map(killed_at_seven, std::vector<int>{7}), BrokenProcessPool);
  for (pid_t pid : pool.worker_pids()) EXPECT_TRUE(reaped(pid)) << pid;
  EXPECT_THROW((void)pool.map(square, std::vector<long>{1}), BrokenProcessPool);
}

// A dead worker is reported within a bounded wait, never a hang: the map runs in a forked child that
// must finish within 3 s (it takes milliseconds; a map that waits for ever is killed and fails).
TEST_F(ProcessPool, DeadWorkerIsReportedWithinABoundedWait) {
  ForkedChild child([] {
    Pool pool(2);  // its workers die with this child (PR_SET_PDEATHSIG) if it is killed
    try {
      (void)pool.map(killed_at_seven, std::vector<int>{5, 6, 7, 8}, 1);
    } catch (const BrokenProcessPool&) {
      return 0;
    }
    return 1;
  });
  const std::optional<int> code = child.join(3000ms);  // still running after that: killed and reaped
  ASSERT_TRUE(code.has_value()) << "map() still waiting 3 s after a worker died";
  EXPECT_EQ(*code, 0) << "map() did not throw BrokenProcessPool";
}

// The destructor ends and reaps every worker.
TEST_F(ProcessPool, DestructorReapsEveryWorker) {
  std::vector<pid_t> pids;
  {
    Pool pool(3);
    pids = pool.worker_pids();
    EXPECT_EQ(pool.map(square, std::vector<long>{3}), std::vector<long>{9});
  }
  ASSERT_EQ(pids.size(), 3U);
  for (pid_t pid : pids) EXPECT_TRUE(reaped(pid)) << pid;
}

// A function that throws in a worker: RemoteError with its message, and the pool still works.
TEST_F(ProcessPool, ExceptionInAWorkerComesBackAsRemoteError) {
  Pool pool(2);
  try {
    (void)pool.map(throws_at_four, std::vector<int>{1, 2, 3, 4, 5, 6}, 1);
    FAIL() << "map() returned";
  } catch (const RemoteError& e) {
    EXPECT_NE(std::string(e.what()).find("four is unlucky"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pool.map(square, std::vector<long>{4}), std::vector<long>{16});
}

// Each worker holds only its own two pipes (task and result), none of another worker's.
TEST_F(ProcessPool, WorkersHoldOnlyTheirOwnPipes) {
  const std::set<std::string> before = pipes_of("self");
  Pool pool(3);
  // A map whose first three chunks go one to each worker: each has then run past its start-up code.
  EXPECT_EQ(pool.map(square, std::vector<long>{1, 2, 3}, 1), (std::vector<long>{1, 4, 9}));
  std::set<std::string> pool_pipes;  // the pipes the pool made: the parent holds one end of each
  for (const std::string& pipe : pipes_of("self")) {
    if (!before.contains(pipe)) pool_pipes.insert(pipe);
  }
  EXPECT_EQ(pool_pipes.size(), 6U);
  for (pid_t pid : pool.worker_pids()) {
    std::size_t held = 0;
    for (const std::string& pipe : pipes_of(std::to_string(pid))) held += pool_pipes.contains(pipe) ? 1U : 0U;
    EXPECT_EQ(held, 2U) << "worker " << pid << " holds pipes of other workers";
  }
}

}  // namespace
