// Lesson 01, threads and processes: make the functions below pass the tests in tests/01_threads_and_processes/.
// Concept: threads share their process's data, a forked child gets a copy; pid vs tid (lessons/01_threads_and_processes/README.md).
// Check: ./threadlings check 01    (or ctest --preset student -L lesson01)
#include "sharing.hpp"

#include <cerrno>
#include <span>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/io.hpp"
#include "threadlings/not_implemented.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson01 {

// TODO: return the ids of the calling thread: its process's pid (getpid) and its own tid (gettid).
Identity identify_this_thread() { throw NotImplemented("identify_this_thread — see lesson 01"); }

// TODO: start a std::thread that records identify_this_thread(), join it, return what it recorded.
Identity identify_new_thread() { throw NotImplemented("identify_new_thread — see lesson 01"); }

// TODO: make a pipe (threadlings::make_pipe), then fork.
//  - In the child: write a ChildIdentity (its ids and getppid()) into the pipe with
//    threadlings::write_all, then leave with ::_exit(0) — never return, never exit().
//  - In the parent: close the write end, read the report with threadlings::read_full, reap the child
//    (threadlings::wait_for_child), and throw ChildError if fewer bytes than a report arrived.
// The child must be reaped on every path out of this function, the error paths too.
ChildIdentity identify_child_process() { throw NotImplemented("identify_child_process — see lesson 01"); }

// TODO: run target() on a new std::thread, join it, return what target returned.
int run_in_thread(const std::function<int()>& target) { throw NotImplemented("run_in_thread — see lesson 01"); }

// TODO: as identify_child_process, but the child sends target()'s int. If target throws, the child
// catches it and leaves with ::_exit(1) without writing; the parent then throws ChildError.
int run_in_child(const std::function<int()>& target) { throw NotImplemented("run_in_child — see lesson 01"); }

}  // namespace threadlings::lesson01
