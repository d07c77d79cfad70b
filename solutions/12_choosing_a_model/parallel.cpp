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
#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson12 {

WorkerFailed::WorkerFailed(unsigned worker, const std::string& what)
    : std::runtime_error("worker " + std::to_string(worker) + " " + what), worker_(worker) {}

namespace {

void check_arguments(const char* function, unsigned workers, const Job& job) {
  if (workers == 0) throw std::invalid_argument(std::string(function) + ": workers must be at least 1");
  if (!job) throw std::invalid_argument(std::string(function) + ": the job is empty");
}

// Provided: what a child writes on its pipe, and how the parent reads it back.
// A child writes one message and exits: a tag byte, then for kResult the 8 bytes of the result, for
// kError the exception's what(), cut so that the whole message fits in PIPE_BUF (one write, never
// blocking on a pipe nobody reads yet, never interleaved).
enum class Tag : char { kResult = 'R', kError = 'E' };
constexpr std::size_t kMaxMessage = 512;  // well under PIPE_BUF (4096 on Linux)

void send_result(int fd, std::uint64_t result) {
  std::array<std::byte, 1 + sizeof result> message{};
  message[0] = static_cast<std::byte>(Tag::kResult);
  std::memcpy(message.data() + 1, &result, sizeof result);
  write_all(fd, message);
}

void send_error(int fd, const char* what) noexcept {
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

Message receive(int fd) {
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
[[noreturn]] void be_worker(unsigned worker, const Job& job, int result_fd) noexcept {
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

// The children forked so far. On every way out, each child not reaped yet is killed and reaped: an
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

std::string how_it_ended(const Message& message, int status) {
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

std::vector<std::uint64_t> run_in_threads(unsigned workers, const Job& job) {
  check_arguments("run_in_threads()", workers, job);
  std::vector<std::uint64_t> results(workers, 0);
  // One slot per worker: each thread writes only its own, and join() publishes it to this thread.
  std::vector<std::exception_ptr> errors(workers);
  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (unsigned worker = 0; worker < workers; ++worker) {
      // If this throws, the jthreads already started are joined by the vector's destructor.
      threads.emplace_back([&job, &results, &errors, worker] {
        try {
          results[worker] = job(worker);
        } catch (...) {
          errors[worker] = std::current_exception();  // an exception escaping a thread would terminate
        }
      });
    }
  }  // every thread joined here, before anyone reads results or errors
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);  // the lowest-numbered worker's, as documented
  }
  return results;
}

std::vector<std::uint64_t> run_in_processes(unsigned workers, const Job& job) {
  check_arguments("run_in_processes()", workers, job);
  Children children;  // declared before the pipes: the pipes close first, then the children are reaped
  std::vector<UniqueFd> read_ends;
  read_ends.reserve(workers);
  for (unsigned worker = 0; worker < workers; ++worker) {
    Pipe pipe = make_pipe();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "run_in_processes(): fork");
    if (pid == 0) {
      pipe.read_end.reset();
      be_worker(worker, job, pipe.write_end.get());  // never returns
    }
    children.add(pid);
    // The parent keeps only the read end: once the child exits, nobody holds the write end and the
    // parent's read sees end of file. (A later child inherits this read end; reading ends don't matter.)
    pipe.write_end.reset();
    read_ends.push_back(std::move(pipe.read_end));
  }
  // All children run now. Collect in worker order; a slow worker 0 only delays the reading, the others
  // have written their few bytes into their pipes already and exited.
  std::vector<std::uint64_t> results(workers, 0);
  std::optional<WorkerFailed> first_failure;
  for (unsigned worker = 0; worker < workers; ++worker) {
    const Message message = receive(read_ends[worker].get());
    read_ends[worker].reset();
    const int status = children.reap(worker);
    const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (message.result && clean_exit) {
      results[worker] = *message.result;
    } else if (!first_failure) {
      first_failure.emplace(worker, how_it_ended(message, status));  // keep reaping the others
    }
  }
  if (first_failure) throw *first_failure;
  return results;
}

std::uint64_t parallel_count_primes(std::uint64_t limit, unsigned workers, Model model, std::uint64_t block_size) {
  if (workers == 0) throw std::invalid_argument("parallel_count_primes(): workers must be at least 1");
  // work_share() checks the other arguments: asked here once, a mistake is reported before any worker
  // starts, instead of once per worker (and, from a child process, as a WorkerFailed).
  (void)work_share(limit, 0, workers, block_size);
  const Job count_my_share = [limit, workers, block_size](unsigned worker) {
    std::uint64_t count = 0;
    for (const Block block : work_share(limit, worker, workers, block_size)) count += count_primes(block);
    return count;
  };
  const std::vector<std::uint64_t> counts = model == Model::kThreads ? run_in_threads(workers, count_my_share)
                                                                      : run_in_processes(workers, count_my_share);
  std::uint64_t total = 0;
  for (const std::uint64_t count : counts) total += count;
  return total;
}

}  // namespace threadlings::lesson12
