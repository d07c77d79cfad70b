// Lesson 09 demo: multiprocessing.Value, Array and shared_memory in C++. Four forked processes
// increment one shared counter without a lock (updates are lost), with the lock, and with an atomic;
// four processes fill one shared array, and four attach a named segment; a child dies holding the lock
// and the parent is told; then packed against padded counters (false sharing), measured.
//
//   build/reference/demos/solution/09_shared_memory/shared_memory_demo [--quick]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "false_sharing.hpp"
#include "robust_mutex.hpp"
#include "shared_memory.hpp"
#include "shared_value.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/io.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::Stopwatch;
using threadlings::lesson09::count_in_parallel;
using threadlings::lesson09::LockResult;
using threadlings::lesson09::OwnedSharedMemory;
using threadlings::lesson09::PackedCounter;
using threadlings::lesson09::PaddedCounter;
using threadlings::lesson09::SharedArray;
using threadlings::lesson09::SharedLockGuard;
using threadlings::lesson09::SharedMemory;
using threadlings::lesson09::SharedValue;

constexpr int kProcesses = 4;
constexpr auto kParts = static_cast<std::size_t>(kProcesses);

// Forks `count` children; child k runs body(k) and leaves with _exit (0, or 1 if body threw). Waits for
// all of them and returns how many failed.
int run_children(int count, const std::function<void(int)>& body) {
  std::vector<pid_t> children;
  for (int k = 0; k < count; ++k) {
    const pid_t child = ::fork();
    if (child < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (child == 0) {
      int code = 0;
      try {
        body(k);
      } catch (const std::exception& error) {
        std::fprintf(stderr, "child %d: %s\n", k, error.what());
        code = 1;
      }
      ::_exit(code);
    }
    children.push_back(child);
  }
  int failed = 0;
  for (const pid_t child : children) {
    if (threadlings::exit_code_from_status(threadlings::wait_for_child(child)) != 0) ++failed;
  }
  return failed;
}

void lost_updates(long increments) {
  std::cout << "1. " << kProcesses << " processes add 1 to one SharedValue<long>, " << increments
            << " times each (expected total " << kProcesses * increments << ").\n";
  const long expected = kProcesses * increments;
  auto report = [&](const char* how, long total, double seconds) {
    std::cout << "  " << std::left << std::setw(50) << how << std::right << std::setw(9) << total << "  lost "
              << std::setw(8) << expected - total << "  " << std::fixed << std::setprecision(0)
              << seconds * 1000 << " ms\n";
  };
  {
    // Read, then write: two separate steps, as Python's `v.value += 1` is without `with v.get_lock()`.
    // atomic_ref makes each step a real memory access (no data race in the C++ sense), not the pair.
    SharedValue<long> counter(0);
    Stopwatch watch;
    run_children(kProcesses, [&](int) {
      std::atomic_ref<long> shared(counter.get_obj());
      for (long i = 0; i < increments; ++i) shared.store(shared.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    });
    report("no lock (load, then store):", counter.get(), watch.elapsed_seconds());
  }
  {
    SharedValue<long> counter(0);
    Stopwatch watch;
    run_children(kProcesses, [&](int) {
      for (long i = 0; i < increments; ++i) {
        SharedLockGuard guard(counter.get_lock(), [] {});
        counter.get_obj() += 1;
      }
    });
    report("with get_lock() (a robust process-shared mutex):", counter.get(), watch.elapsed_seconds());
  }
  {
    // A lock-free atomic works across processes too, when it lives in shared memory.
    SharedValue<long> counter(0);
    Stopwatch watch;
    run_children(kProcesses, [&](int) {
      std::atomic_ref<long> shared(counter.get_obj());
      for (long i = 0; i < increments; ++i) shared.fetch_add(1, std::memory_order_relaxed);
    });
    report("atomic fetch_add, no lock:", counter.get(), watch.elapsed_seconds());
  }
  std::cout << "  Look at: without the lock, two processes read the same old value and both write old + 1.\n\n";
}

void shared_array(std::size_t length) {
  std::cout << "2. " << kProcesses << " processes fill one SharedArray<double> of " << length
            << " elements, a quarter each.\n";
  SharedArray<double> array(length);
  Stopwatch watch;
  const int failed = run_children(kProcesses, [&](int k) {
    const std::span<double> elements = array.get_obj();  // disjoint quarters: no lock needed
    const std::size_t begin = length * static_cast<std::size_t>(k) / kParts;
    const std::size_t end = length * static_cast<std::size_t>(k + 1) / kParts;
    for (std::size_t i = begin; i < end; ++i) elements[i] = std::sqrt(static_cast<double>(i));
  });
  const double seconds = watch.elapsed_seconds();
  const std::vector<double> values = array.to_vector();
  std::size_t right = 0;
  for (std::size_t i = 0; i < length; ++i) right += values[i] == std::sqrt(static_cast<double>(i)) ? 1U : 0U;
  std::cout << "  " << right << " of " << length << " elements hold sqrt(i), written by the children ("
            << failed << " failed) in " << std::fixed << std::setprecision(1) << seconds * 1000 << " ms\n";

  const std::string name = "/threadlings-09-demo-" + std::to_string(::getpid());
  {
    OwnedSharedMemory owned(name, length);
    struct stat info {};
    ::stat(("/dev/shm" + name).c_str(), &info);
    std::cout << "  SharedMemory::create(\"" << name << "\", " << length << "): /dev/shm" << name << " is "
              << info.st_size << " bytes, mode " << std::oct << (info.st_mode & 0777) << std::dec << "\n";
    run_children(kProcesses, [&](int k) {
      SharedMemory view = SharedMemory::attach(name);  // by name: works for unrelated processes too
      const std::size_t begin = view.size() * static_cast<std::size_t>(k) / kParts;
      const std::size_t end = view.size() * static_cast<std::size_t>(k + 1) / kParts;
      for (std::size_t i = begin; i < end; ++i) view.buf()[i] = static_cast<std::byte>('A' + k);
    });
    const auto buf = owned->buf();
    std::cout << "  4 children attached by name and wrote a letter each; bytes 0, n/4, n/2, 3n/4: "
              << static_cast<char>(buf[0]) << static_cast<char>(buf[length / 4]) << static_cast<char>(buf[length / 2])
              << static_cast<char>(buf[3 * length / 4]) << "\n";
  }
  std::cout << "  after OwnedSharedMemory's scope, /dev/shm" << name << " exists: " << std::boolalpha
            << std::filesystem::exists("/dev/shm" + name) << "\n\n";
}

void owner_death() {
  std::cout << "3. A child takes the counter's lock and is killed (SIGKILL) before it unlocks.\n";
  SharedValue<long> counter(100);
  threadlings::Pipe holding = threadlings::make_pipe();
  threadlings::Pipe never = threadlings::make_pipe();
  const pid_t child = ::fork();
  if (child < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (child == 0) {
    never.write_end.reset();
    (void)counter.get_lock().lock();
    counter.get_obj() = -1;  // half-way through an update that would have ended at 101
    const std::byte byte{1};
    threadlings::write_all(holding.write_end.get(), std::span(&byte, 1));
    std::byte wait{};
    (void)threadlings::read_full(never.read_end.get(), std::span(&wait, 1));
    ::_exit(0);
  }
  holding.write_end.reset();
  std::byte byte{};
  (void)threadlings::read_full(holding.read_end.get(), std::span(&byte, 1));
  ::kill(child, SIGKILL);
  const int code = threadlings::exit_code_from_status(threadlings::wait_for_child(child));
  std::cout << "  child " << child << " ended with exit code " << code << " holding the lock\n";
  const LockResult result = counter.get_lock().lock();
  std::cout << "  parent: lock() returned " << (result == LockResult::kOwnerDied ? "kOwnerDied" : "kAcquired")
            << " (EOWNERDEAD), and the value is " << counter.get_obj() << "\n";
  if (result == LockResult::kOwnerDied) {
    counter.get_obj() = 101;  // the repair: redo the dead owner's update from what we know
    counter.get_lock().mark_consistent();
  }
  counter.get_lock().unlock();
  std::cout << "  repaired to " << counter.get() << ", marked consistent; the lock works again\n";
  std::cout << "  (a Python multiprocessing.Lock has no such notice: the next acquire() waits for ever)\n\n";
}

template <typename Counter>
double best_time(int threads, std::uint64_t increments, int runs) {
  double best = 1e9;
  for (int r = 0; r < runs; ++r) {
    std::vector<Counter> counters(static_cast<std::size_t>(threads));
    best = std::min(best, std::chrono::duration<double>(count_in_parallel(std::span(counters), increments)).count());
  }
  return best;
}

void false_sharing(std::uint64_t increments) {
  std::cout << "4. False sharing: each thread adds to its own counter " << increments << " times (fetch_add).\n"
            << "   packed: 8-byte counters side by side; padded: one per " << threadlings::lesson09::kCacheLineSize
            << "-byte cache line. Best of 3.\n";
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  std::cout << "  threads   packed     padded    packed/padded   (" << cores << " cores)\n";
  for (const int threads : {1, 2, 4}) {
    const double packed = best_time<PackedCounter>(threads, increments, 3);
    const double padded = best_time<PaddedCounter>(threads, increments, 3);
    std::cout << "  " << std::setw(4) << threads << "   " << std::fixed << std::setprecision(1) << std::setw(7)
              << packed * 1000 << " ms " << std::setw(7) << padded * 1000 << " ms   " << std::setprecision(2)
              << std::setw(8) << packed / padded << "x\n";
  }
  std::cout << "  Look at: one thread is the same either way; with threads on different cores the packed\n"
            << "  counters' shared line moves between the cores' caches on every write.\n";
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv,
      "Lesson 09: Value, Array and SharedMemory across forked processes, a robust lock, false sharing.",
      [](const threadlings::DemoOptions& options) {
        lost_updates(options.quick ? 20'000 : 1'000'000);
        shared_array(options.quick ? 4'096 : 4'000'000);
        owner_death();
        false_sharing(options.quick ? 100'000 : 20'000'000);
        return 0;
      });
}
