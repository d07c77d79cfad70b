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
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson01 {
namespace {

// Owns a forked child until it is reaped, so that every way out of the parent's code (a return, an
// exception) waits for it: an unreaped child stays a zombie in the process table.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) noexcept : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ <= 0) return;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

  // Waits for the child and returns its raw wait status; afterwards the destructor has nothing to do.
  int wait() { return wait_for_child(std::exchange(pid_, -1)); }

 private:
  pid_t pid_;
};

// Forks a child that computes a T with `produce` and writes its bytes into a pipe; the parent reads
// them, reaps the child and returns the value. T is copied as raw bytes, so it must be trivially
// copyable (an int, a struct of pids): a pointer would mean nothing in the other process.
template <class T, class Produce>
T collect_from_child(const char* what, Produce&& produce) {
  static_assert(std::is_trivially_copyable_v<T>);
  // The pipe comes first: if it cannot be made, no child exists yet and nothing needs undoing.
  Pipe pipe = make_pipe();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    // The child. It must never return from here: it would run the rest of its parent's program (in a
    // test binary, the rest of the test suite) a second time.
    int code = 0;
    try {
      pipe.read_end.reset();  // only the parent reads
      const T value = produce();
      write_all(pipe.write_end.get(), std::as_bytes(std::span(&value, 1)));
    } catch (...) {
      code = 1;  // Python's exit code for a target that raised
    }
    // _exit, not exit: no atexit handlers, no static destructors, no flush of stdio buffers that are
    // copies of the parent's (the parent will write those bytes itself).
    ::_exit(code);
  }
  ChildGuard child(pid);
  // The parent's copy of the write end must go: read_full() sees end of file only once *every* write
  // end is closed, and a child that dies before writing would otherwise leave the parent waiting forever.
  pipe.write_end.reset();
  T value{};
  const std::size_t got = read_full(pipe.read_end.get(), std::as_writable_bytes(std::span(&value, 1)));
  const int exit_code = exit_code_from_status(child.wait());
  // Fewer bytes than a whole T means the child ended before it wrote: its answer does not exist.
  if (got != sizeof value) {
    throw ChildError(std::string(what) + ": the child ended without reporting (exit code " +
                         std::to_string(exit_code) + ")",
                     exit_code);
  }
  return value;
}

}  // namespace

Identity identify_this_thread() {
  // getpid() names the process, the same in every thread; gettid() names the calling thread.
  return Identity{::getpid(), ::gettid()};
}

Identity identify_new_thread() {
  Identity seen;
  // The thread writes `seen`, the caller reads it: join() orders the two, so no lock is needed.
  std::thread thread([&seen] { seen = identify_this_thread(); });
  thread.join();
  return seen;
}

ChildIdentity identify_child_process() {
  // Inside the child only getpid/gettid/getppid and write() run: all async-signal-safe, so this is
  // correct even when the parent has other threads.
  return collect_from_child<ChildIdentity>("identify_child_process", [] {
    return ChildIdentity{identify_this_thread(), ::getppid()};
  });
}

int run_in_thread(const std::function<int()>& target) {
  int result = 0;
  // The target runs on a new thread but on the caller's memory; join() makes its writes visible here.
  std::thread thread([&] { result = target(); });
  thread.join();
  return result;
}

int run_in_child(const std::function<int()>& target) {
  // The target runs in the child, on the child's copy of memory; only its result crosses back.
  return collect_from_child<int>("run_in_child", [&target] { return target(); });
}

}  // namespace threadlings::lesson01
