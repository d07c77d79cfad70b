// Lesson 06, processes: make process_cpu_count() pass the tests in tests/06_processes/.
// Concept: the CPUs a process may use are its affinity mask, not the machine (lessons/06_processes/README.md).
// Check: ./threadlings check 06    (or ctest --preset student -L lesson06)
#include <cerrno>
#include <cstddef>
#include <memory>
#include <system_error>

#include <sched.h>

#include "process.hpp"
#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson06 {

// TODO: count the CPUs in the calling thread's affinity mask (sched_getaffinity with pid 0, then
// CPU_COUNT). A machine with more than CPU_SETSIZE (1024) CPUs makes it fail with EINVAL: use
// CPU_ALLOC/CPU_ALLOC_SIZE and retry with a bigger set.
int process_cpu_count() { throw NotImplemented("process_cpu_count — see lesson 06"); }

}  // namespace threadlings::lesson06
