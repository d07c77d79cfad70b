// Lesson 12, choosing a model: make run_in_threads, run_in_processes and parallel_count_primes pass the tests in tests/12_choosing_a_model/.
// Concept: one CPU-bound job on threads and on processes, with the same results (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#include "parallel.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/not_implemented.hpp"
#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson12 {

WorkerFailed::WorkerFailed(unsigned worker, const std::string& what)
    : std::runtime_error("worker " + std::to_string(worker) + " " + what), worker_(worker) {}

namespace {

[[maybe_unused]] void check_arguments(const char* function, unsigned workers, const Job& job) {
  if (workers == 0) throw std::invalid_argument(std::string(function) + ": workers must be at least 1");
  if (!job) throw std::invalid_argument(std::string(function) + ": the job is empty");
}

// Provided: the argument checks, what a child writes on its pipe, and how the parent reads it back.
// A child writes one message and exits: a tag byte, then for kResult the 8 bytes of the result, for
// kError the exception's what(), cut so that the whole message fits in PIPE_BUF (one write, never
// blocking on a pipe nobody reads yet, never interleaved).
enum class Tag : char { kResult = 'R', kError = 'E' };
constexpr std::size_t kMaxMessage = 512;  // well under PIPE_BUF (4096 on Linux)

[[maybe_unused]] void send_result(int fd, std::uint64_t result) {
  std::array<std::byte, 1 + sizeof result> message{};
  message[0] = static_cast<std::byte>(Tag::kResult);
  std::memcpy(message.data() + 1, &result, sizeof result);
  write_all(fd, message);
}

[[maybe_unused]] void send_error(int fd, const char* what) noexcept {
  std::array<std::byte, kMaxMessage> message{};
  message[0] = static_cast<std::byte>(Tag::kError);
  const std::size_t length = std::min(std::strlen(what), kMaxMessage - 1);
  std::memcpy(message.data() + 1, what, length);
  try {
    write_all(fd, std::span(message).first(1 + length));
  } catch (...) {
    // The parent is gone or the pipe is broken: nobody is left to tell.
  }
}

// What the parent found on a child's pipe: the result, the job's error text, or nothing at all.
struct Message {
  std::optional<std::uint64_t> result;
  std::optional<std::string> error;
};

[[maybe_unused]] Message receive(int fd) {
  std::array<std::byte, kMaxMessage> buffer{};
  const std::size_t length = read_full(fd, buffer);  // to end of file: the child has exited or closed it
  Message message;
  if (length == 1 + sizeof(std::uint64_t) && buffer[0] == static_cast<std::byte>(Tag::kResult)) {
    std::uint64_t result = 0;
    std::memcpy(&result, buffer.data() + 1, sizeof result);
    message.result = result;
  } else if (length >= 1 && buffer[0] == static_cast<std::byte>(Tag::kError)) {
    message.error = std::string(reinterpret_cast<const char*>(buffer.data() + 1), length - 1);
  }
  return message;
}

// The body of a child: run the job, report, and leave with _exit(), which runs no atexit handler and
// flushes no stdio buffer (both belong to the parent: flushing a copy would print its output twice).
[[maybe_unused]] [[noreturn]] void be_worker(unsigned worker, const Job& job, int result_fd) noexcept {
  int status = 0;
  try {
    send_result(result_fd, job(worker));
  } catch (const std::exception& error) {
    send_error(result_fd, error.what());
    status = 1;
  } catch (...) {
    send_error(result_fd, "threw something that is not a std::exception");
    status = 1;
  }
  ::_exit(status);
}

// Provided: the children forked so far. On every way out, each child not reaped yet is killed and reaped: an
// exception half-way through must not leave a worker running or a zombie behind.
class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() {
    for (const pid_t pid : pids_) {
      if (pid <= 0) continue;
      ::kill(pid, SIGKILL);
      try {
        (void)wait_for_child(pid);
      } catch (...) {
        // Already reaped by someone else: nothing left to clean up.
      }
    }
  }

  void add(pid_t pid) { pids_.push_back(pid); }

  // Reaps child `index` and returns its wait status; from now on it is not ours to kill.
  int reap(std::size_t index) {
    const int status = wait_for_child(pids_[index]);
    pids_[index] = -1;
    return status;
  }

 private:
  std::vector<pid_t> pids_;
};

[[maybe_unused]] std::string how_it_ended(const Message& message, int status) {
  if (message.error) return "failed: " + *message.error;
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    // sigabbrev_np(), not strsignal(): it returns a constant, where strsignal() may share a buffer
    // between threads.
    const char* const name = ::sigabbrev_np(signal);
    return "was killed by signal " + std::to_string(signal) + (name ? " (SIG" + std::string(name) + ")" : "");
  }
  return "exited with code " + std::to_string(exit_code_from_status(status)) + " before sending its result";
}

}  // namespace

// TODO: check_arguments(). One result slot and one std::exception_ptr slot per worker (each written by
// its own thread only). Start `workers` std::jthreads, worker w calling job(w) inside try/catch (an
// exception escaping a thread calls std::terminate) and keeping std::current_exception(). Let the
// jthreads' scope end (that joins them all, also when starting one threw), and only then look at the
// slots: rethrow the lowest-numbered worker's exception, or return the results.
std::vector<std::uint64_t> run_in_threads(unsigned workers, const Job& job) {
  (void)workers;
  (void)job;
  throw NotImplemented("run_in_threads — see lesson 12");
}

// TODO: check_arguments(). Declare a Children first (it kills and reaps on every way out), then for
// each worker: make_pipe(), fork() (-1: std::system_error with errno); in the child close the read end
// and be_worker() (it never returns); in the parent children.add(pid), close the write end at once
// (or the read below never sees end of file) and keep the read end. Fork them all before reading any:
// reading worker 0 before forking worker 1 would run them one after the other.
// Then for each worker in order: receive() its message, close its read end, children.reap() it; a
// result with a clean exit (WIFEXITED, status 0) is its result, anything else is a failure: remember
// the first one as WorkerFailed(worker, how_it_ended(message, status)) and keep reaping the others.
// Throw the first failure, or return the results.
std::vector<std::uint64_t> run_in_processes(unsigned workers, const Job& job) {
  (void)workers;
  (void)job;
  throw NotImplemented("run_in_processes — see lesson 12");
}

// TODO: reject workers == 0 (std::invalid_argument), and call work_share(limit, 0, workers,
// block_size) once to let it reject the rest before any worker starts. The job of worker w: add up
// count_primes(block) over work_share(limit, w, workers, block_size). Run it with run_in_threads or
// run_in_processes as `model` says, and add up the workers' counts.
std::uint64_t parallel_count_primes(std::uint64_t limit, unsigned workers, Model model, std::uint64_t block_size) {
  (void)limit;
  (void)workers;
  (void)model;
  (void)block_size;
  throw NotImplemented("parallel_count_primes — see lesson 12");
}

}  // namespace threadlings::lesson12
