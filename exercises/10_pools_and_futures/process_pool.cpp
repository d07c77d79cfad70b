// Lesson 10, pools and futures: make the process Pool pass the tests in tests/10_pools_and_futures/.
// Concept: multiprocessing.Pool.map: forked workers, chunks, frames over pipes, a broken pool (lessons/10_pools_and_futures/README.md).
// Check: ./threadlings check 10    (or ctest --preset student -L lesson10)
#include "process_pool.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_pool.hpp"  // process_cpu_count()
#include "threadlings/io.hpp"
#include "threadlings/sigpipe_blocked.hpp"
#include "threadlings/not_implemented.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson10 {

namespace {

// Provided: the frame layouts and the framing helpers.
// A task frame's payload starts with this header, then `count * item_size` item bytes.
struct TaskHeader {
  std::uint64_t chunk = 0;
  std::uint64_t count = 0;
  std::uint64_t item_size = 0;
  std::uint64_t result_size = 0;
  std::uintptr_t chunk_function = 0;  // an address: valid in the worker because fork() copied ours
  std::uintptr_t fn = 0;
};

// A result frame's payload starts with this header, then the results (ok) or the error's text.
struct ResultHeader {
  std::uint64_t chunk = 0;
  std::uint64_t ok = 0;
};

// A frame: an 8-byte length, then the payload (written as one buffer: one write for small frames).
[[maybe_unused]] void write_frame(int fd, std::span<const std::byte> header, std::span<const std::byte> body) {
  const std::uint64_t length = header.size() + body.size();
  std::vector<std::byte> frame(sizeof length + length);
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, header.data(), header.size());
  if (!body.empty()) std::memcpy(frame.data() + sizeof length + header.size(), body.data(), body.size());
  write_all(fd, frame);
}

// Reads one frame's payload; nothing at end of file (also when the writer died half-way).
[[maybe_unused]] std::optional<std::vector<std::byte>> read_frame(int fd) {
  std::uint64_t length = 0;
  if (read_full(fd, std::as_writable_bytes(std::span(&length, 1))) != sizeof length) return std::nullopt;
  std::vector<std::byte> payload(length);
  if (read_full(fd, payload) != length) return std::nullopt;
  return payload;
}

// TODO: the worker's loop. While read_frame(task_fd) gives a frame: copy a TaskHeader out of
// its front, make an output buffer of count * result_size bytes, cast chunk_function back to
// Pool::ChunkFunction and call it on (fn, the items after the header, the buffer, count). Reply with
// write_frame(result_fd, ResultHeader{chunk, 1}, buffer); if it threw, ResultHeader{chunk, 0} and the
// what() text. End of input: _exit(0); a pipe error: _exit(1). Never return (this is a forked child).
[[maybe_unused]] [[noreturn]] void worker_main(int task_fd, int result_fd) {
  ::_exit(1);
}

// Provided: "worker process 123 was killed by signal 9 (SIGKILL) while ..." from a wait status.
[[maybe_unused]] std::string describe_end(pid_t pid, int status) {
  std::string text = "worker process " + std::to_string(pid);
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = ::sigabbrev_np(signal);
    text += " was killed by signal " + std::to_string(signal) + (name ? " (SIG" + std::string(name) + ")" : "");
  } else if (WIFEXITED(status)) {
    text += " exited with status " + std::to_string(WEXITSTATUS(status));
  } else {
    text += " ended";
  }
  return text + " while the pool was using it: the pool is broken";
}

// Provided: waitpid() retried on EINTR; the raw status (-1 on error).
[[maybe_unused]] int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

}  // namespace

// TODO: CPython's rule: chunksize, extra = divmod(items, 4 * workers); if extra: chunksize += 1.
// 0 items give 0; 0 workers throw std::invalid_argument.
std::size_t Pool::default_chunksize(std::size_t items, std::size_t workers) {
  throw NotImplemented("Pool::default_chunksize — see lesson 10");
}

// TODO: count = processes or process_cpu_count(); 0 -> std::invalid_argument("Number of
// processes must be at least 1"). fflush(nullptr), then for each worker: two make_pipe() (tasks,
// results), fork. In the child: prctl(PR_SET_PDEATHSIG, SIGKILL); close the parent's ends of every
// earlier worker (tasks, results, pidfd of workers_) and of its own pipes; worker_main(). In the
// parent: keep pid (also in pids_), the task write end, the result read end and a pidfd
// (syscall(SYS_pidfd_open, pid, 0)). On any error: terminate_and_reap() and rethrow.
Pool::Pool(std::optional<std::size_t> processes) {
  throw NotImplemented("Pool::Pool — see lesson 10");
}

// TODO: under mutex_: close every worker's task pipe (its end of input), then wait_status()
// each worker not reaped yet.
Pool::~Pool() {}

// TODO: SIGKILL and wait_status() every worker not reaped; then close all their fds.
void Pool::terminate_and_reap() noexcept {}

// TODO: under mutex_: broken_ set -> BrokenProcessPool(broken_). chunksize 0 ->
// std::invalid_argument; no items -> return. size = chunksize or default_chunksize(count, workers).
// Hold a SigpipeBlocked. Send one chunk (TaskHeader + its item bytes, one frame) to each worker; then
// until no chunk is out: poll every worker's result fd and pidfd. A readable result fd: read_frame,
// copy the results to results[chunk * size * result_size...] (or keep the first error text), send the
// next chunk to that worker. A readable pidfd, an end of file or an EPIPE: that worker died:
// wait_status() it, broken_ = describe_end(...), terminate_and_reap(), throw BrokenProcessPool. At
// the end, a kept error text -> RemoteError.
void Pool::map_bytes(ChunkFunction chunk_function, void (*fn)(), std::span<const std::byte> items, std::size_t item_size,
                     std::span<std::byte> results, std::size_t result_size, std::optional<std::size_t> chunksize) {
  throw NotImplemented("Pool::map_bytes — see lesson 10");
}

}  // namespace threadlings::lesson10
