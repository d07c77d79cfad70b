// Tests of lesson 06's process_cpu_count(): the CPUs the affinity mask allows, not the machine's.
#include <cstddef>
#include <exception>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include "process.hpp"

namespace {

using threadlings::lesson06::process_cpu_count;

// With the calling thread restricted to one CPU (as `taskset -c N` would do), the count is 1,
// however many CPUs the machine has.
TEST(ProcessCpuCount, CountsOnlyTheCpusInTheAffinityMask) {
  int count = -1;
  std::exception_ptr error;
  // A thread of its own: the mask is per thread, so the test's other threads keep every CPU.
  std::thread restricted([&] {
    try {
      cpu_set_t allowed;
      CPU_ZERO(&allowed);
      if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) throw std::runtime_error("sched_getaffinity");
      std::size_t first = 0;
      while (!CPU_ISSET(first, &allowed)) ++first;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(first, &one);
      if (::sched_setaffinity(0, sizeof one, &one) != 0) throw std::runtime_error("sched_setaffinity");
      count = process_cpu_count();
    } catch (...) {
      error = std::current_exception();
    }
  });
  restricted.join();
  if (error) std::rethrow_exception(error);
  EXPECT_EQ(count, 1);
}

// Unrestricted, the count is at least 1 and at most the number of CPUs the machine has.
TEST(ProcessCpuCount, IsBetweenOneAndTheMachinesCpus) {
  const int count = process_cpu_count();
  EXPECT_GE(count, 1);
  EXPECT_LE(count, ::sysconf(_SC_NPROCESSORS_CONF));
}

}  // namespace
