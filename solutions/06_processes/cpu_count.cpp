// Lesson 06, processes: make process_cpu_count() pass the tests in tests/06_processes/.
// Concept: the CPUs a process may use are its affinity mask, not the machine (lessons/06_processes/README.md).
// Check: ./threadlings check 06    (or ctest --preset student -L lesson06)
#include <cerrno>
#include <cstddef>
#include <memory>
#include <system_error>

#include <sched.h>

#include "process.hpp"

namespace threadlings::lesson06 {

int process_cpu_count() {
  // cpu_set_t holds 1024 CPUs; a bigger machine makes sched_getaffinity fail with EINVAL, so grow a
  // dynamically sized set until the kernel's mask fits (what CPython's os.sched_getaffinity does).
  for (std::size_t cpus = CPU_SETSIZE;; cpus *= 2) {
    const std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(CPU_ALLOC(cpus), [](cpu_set_t* s) { CPU_FREE(s); });
    if (!set) throw std::system_error(ENOMEM, std::generic_category(), "CPU_ALLOC");
    const std::size_t size = CPU_ALLOC_SIZE(cpus);
    // Pid 0 is the calling thread: its mask is what the scheduler honours for it, and what a process
    // started by `taskset` or inside a cpuset begins with.
    if (::sched_getaffinity(0, size, set.get()) == 0) return CPU_COUNT_S(size, set.get());
    if (errno != EINVAL) throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
  }
}

}  // namespace threadlings::lesson06
