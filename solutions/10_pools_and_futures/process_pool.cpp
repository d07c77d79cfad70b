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
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson10 {

namespace {

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
void write_frame(int fd, std::span<const std::byte> header, std::span<const std::byte> body) {
  const std::uint64_t length = header.size() + body.size();
  std::vector<std::byte> frame(sizeof length + length);
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, header.data(), header.size());
  if (!body.empty()) std::memcpy(frame.data() + sizeof length + header.size(), body.data(), body.size());
  write_all(fd, frame);
}

// Reads one frame's payload; nothing at end of file (also when the writer died half-way).
std::optional<std::vector<std::byte>> read_frame(int fd) {
  std::uint64_t length = 0;
  if (read_full(fd, std::as_writable_bytes(std::span(&length, 1))) != sizeof length) return std::nullopt;
  std::vector<std::byte> payload(length);
  if (read_full(fd, payload) != length) return std::nullopt;
  return payload;
}

// The worker's whole life: chunks in, results out, until the task pipe ends. Never returns.
[[noreturn]] void worker_main(int task_fd, int result_fd) {
  try {
    while (const std::optional<std::vector<std::byte>> frame = read_frame(task_fd)) {
      TaskHeader task;
      std::memcpy(&task, frame->data(), sizeof task);
      ResultHeader reply{task.chunk, 1};
      std::vector<std::byte> out(task.count * task.result_size);
      try {
        const auto chunk_function = reinterpret_cast<Pool::ChunkFunction>(task.chunk_function);
        chunk_function(reinterpret_cast<void (*)()>(task.fn), frame->data() + sizeof task, out.data(), task.count);
      } catch (const std::exception& error) {
        reply.ok = 0;
        const std::string text = error.what();
        out.assign(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
      } catch (...) {
        reply.ok = 0;
        out.clear();
      }
      write_frame(result_fd, std::as_bytes(std::span(&reply, 1)), out);
    }
  } catch (...) {
    ::_exit(1);  // the parent went away (EPIPE) or a pipe failed
  }
  ::_exit(0);  // task pipe closed: the pool is done with us
}

std::string describe_end(pid_t pid, int status) {
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

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

}  // namespace

// CPython's Pool._map_async: chunksize, extra = divmod(len(iterable), len(self._pool) * 4); if extra: += 1.
std::size_t Pool::default_chunksize(std::size_t items, std::size_t workers) {
  if (workers == 0) throw std::invalid_argument("default_chunksize: workers must be at least 1");
  if (items == 0) return 0;
  std::size_t chunksize = items / (4 * workers);
  if (items % (4 * workers) != 0) ++chunksize;  // round up: never more than 4 chunks per worker
  return chunksize;
}

Pool::Pool(std::optional<std::size_t> processes) {
  const std::size_t count = processes.value_or(process_cpu_count());
  if (count == 0) throw std::invalid_argument("Number of processes must be at least 1");
  std::fflush(nullptr);  // a child must not write out the parent's buffered output a second time
  try {
    for (std::size_t i = 0; i < count; ++i) {
      Pipe tasks = make_pipe();    // O_CLOEXEC: a program a worker might exec inherits none of them
      Pipe results = make_pipe();
      const pid_t parent = ::getpid();
      const pid_t pid = ::fork();
      if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
      if (pid == 0) {
        (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);  // die with the parent, never outlive it
        if (::getppid() != parent) ::_exit(1);
        // The other workers' pipes are not ours: holding a task pipe's write end would keep that worker
        // from ever seeing the end of its input, and a pidfd is the parent's business.
        for (const Worker& other : workers_) {
          ::close(other.tasks.get());
          ::close(other.results.get());
          ::close(other.pidfd.get());
        }
        ::close(tasks.write_end.get());
        ::close(results.read_end.get());
        worker_main(tasks.read_end.get(), results.write_end.get());
      }
      Worker worker;
      worker.pid = pid;
      pids_.push_back(pid);
      worker.tasks = std::move(tasks.write_end);
      worker.results = std::move(results.read_end);
      worker.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // close-on-exec by default
      const int error = errno;
      workers_.push_back(std::move(worker));
      if (!workers_.back().pidfd) throw std::system_error(error, std::generic_category(), "pidfd_open");
    }
  } catch (...) {
    terminate_and_reap();
    throw;
  }
}

Pool::~Pool() {
  const std::lock_guard lock(mutex_);
  for (Worker& worker : workers_) worker.tasks.reset();  // end of input: each worker leaves its loop
  for (Worker& worker : workers_) {
    if (!worker.reaped) (void)wait_status(worker.pid);
    worker.reaped = true;
  }
  workers_.clear();
}

void Pool::terminate_and_reap() noexcept {
  for (Worker& worker : workers_) {
    if (worker.reaped) continue;
    ::kill(worker.pid, SIGKILL);
    (void)wait_status(worker.pid);
    worker.reaped = true;
  }
  for (Worker& worker : workers_) {
    worker.tasks.reset();
    worker.results.reset();
    worker.pidfd.reset();
  }
}

void Pool::map_bytes(ChunkFunction chunk_function, void (*fn)(), std::span<const std::byte> items, std::size_t item_size,
                     std::span<std::byte> results, std::size_t result_size, std::optional<std::size_t> chunksize) {
  const std::lock_guard lock(mutex_);
  if (!broken_.empty()) throw BrokenProcessPool(broken_);
  const std::size_t count = item_size == 0 ? 0 : items.size() / item_size;
  if (chunksize && *chunksize == 0) throw std::invalid_argument("chunksize must be at least 1");
  if (count == 0) return;
  const std::size_t size = chunksize.value_or(default_chunksize(count, workers_.size()));
  const std::size_t chunks = (count + size - 1) / size;

  const SigpipeBlocked no_sigpipe;  // a dead worker's task pipe gives EPIPE, not the death of this process
  std::size_t next_chunk = 0;
  std::size_t busy = 0;
  std::string remote_error;  // the first chunk that threw: reported once every sent chunk is back

  // The worker ended (or its pipe did): reap it, break the pool, take the others down with it.
  const auto broken = [&](Worker& worker) {
    const int status = wait_status(worker.pid);
    worker.reaped = true;
    broken_ = describe_end(worker.pid, status);
    terminate_and_reap();
    throw BrokenProcessPool(broken_);
  };
  const auto send = [&](Worker& worker) {
    const std::size_t first = next_chunk * size;
    const std::size_t n = std::min(size, count - first);
    const TaskHeader header{next_chunk, n, item_size, result_size, reinterpret_cast<std::uintptr_t>(chunk_function),
                            reinterpret_cast<std::uintptr_t>(fn)};
    try {
      write_frame(worker.tasks.get(), std::as_bytes(std::span(&header, 1)), items.subspan(first * item_size, n * item_size));
    } catch (const std::system_error&) {
      broken(worker);  // EPIPE: it died before reading
    }
    ++next_chunk;
    ++busy;
  };

  for (std::size_t w = 0; w < workers_.size() && next_chunk < chunks; ++w) {
    send(workers_[w]);
  }
  std::vector<pollfd> fds(2 * workers_.size());
  while (busy > 0) {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      fds[2 * w] = {workers_[w].results.get(), POLLIN, 0};
      fds[2 * w + 1] = {workers_[w].pidfd.get(), POLLIN, 0};  // readable once the worker has ended
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      Worker& worker = workers_[w];
      if (fds[2 * w].revents != 0) {  // results first: a frame written before a death still counts
        const std::optional<std::vector<std::byte>> frame = read_frame(worker.results.get());
        if (!frame || frame->size() < sizeof(ResultHeader)) broken(worker);
        ResultHeader reply;
        std::memcpy(&reply, frame->data(), sizeof reply);
        const std::span<const std::byte> body = std::span(*frame).subspan(sizeof reply);
        if (reply.ok != 0) {
          if (reply.chunk >= chunks || body.size() != std::min(size, count - reply.chunk * size) * result_size) {
            throw std::runtime_error("Pool::map: a worker sent a malformed result frame");
          }
          std::memcpy(results.data() + reply.chunk * size * result_size, body.data(), body.size());
        } else if (remote_error.empty()) {
          remote_error.assign(reinterpret_cast<const char*>(body.data()), body.size());
          if (remote_error.empty()) remote_error = "the mapped function threw";
        }
        --busy;
        if (next_chunk < chunks && remote_error.empty()) {
          send(worker);
        }
      } else if (fds[2 * w + 1].revents != 0) {
        broken(worker);  // ended with a chunk in hand, or idle: either way the pool lost a worker
      }
    }
  }
  if (!remote_error.empty()) throw RemoteError(remote_error);
}

}  // namespace threadlings::lesson10
