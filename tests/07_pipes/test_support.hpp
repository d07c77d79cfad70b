// Helpers shared by lesson 07's tests: bytes from text, a worker thread whose errors come back, and a
// signal that interrupts a blocking system call.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/types.h>

#include "threadlings/testing/start_gate.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace lesson07_test {

/// The characters of `text` as bytes.
inline std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> result(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) result[i] = static_cast<std::byte>(text[i]);
  return result;
}

/// The bytes as text, for readable failure messages.
inline std::string text_of(const std::vector<std::byte>& bytes) {
  std::string result(bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) result[i] = static_cast<char>(bytes[i]);
  return result;
}

/// `size` bytes of a recognisable pattern (byte i is i % 251), so that a lost or repeated chunk shows.
/// interop_peer.py builds the same pattern.
inline std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> result(size);
  for (std::size_t i = 0; i < size; ++i) result[i] = static_cast<std::byte>(i % 251);
  return result;
}

/// Writes raw bytes to `fd` (a hand-made header, say), bypassing Connection.
void write_raw(int fd, const std::vector<std::byte>& bytes);

/// Sets or clears O_NONBLOCK on `fd`.
void set_nonblocking(int fd, bool on);

/// Runs `work` on a thread of its own. join() waits for it and rethrows what `work` threw, so that the
/// test asserts on the main thread. The destructor joins too: a test that ends early must first make
/// sure `work` can finish (close the peer, send what it waits for).
class Worker {
 public:
  explicit Worker(std::function<void()> work)
      : thread_([this, work = std::move(work)] {
          tid_ = threadlings::testing::current_tid();
          started_.notify();
          try {
            work();
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {
    started_.wait();  // tid_ is written before notify() and read after wait(): no race
  }
  ~Worker() {
    if (thread_.joinable()) thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// The worker's kernel thread id, for threadlings::testing::wait_until_blocked().
  [[nodiscard]] pid_t tid() const { return tid_; }
  [[nodiscard]] pthread_t native_handle() { return thread_.native_handle(); }

  /// Waits for the worker and rethrows its exception, if any.
  void join() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  threadlings::testing::Signal started_;
  pid_t tid_ = 0;
  std::exception_ptr error_;  // written by the worker, read after join()
  std::thread thread_;        // last: started once everything it uses exists
};

/// Installs a do-nothing handler for SIGUSR1 *without* SA_RESTART, so that a blocking read or write
/// the signal interrupts fails with EINTR (or returns a short count) instead of being restarted by the
/// kernel. Restores the previous action when destroyed. The process-wide setup of the test main
/// (SIGPIPE and the rest) is not touched.
class InterruptingSignal {
 public:
  InterruptingSignal();
  ~InterruptingSignal();
  InterruptingSignal(const InterruptingSignal&) = delete;
  InterruptingSignal& operator=(const InterruptingSignal&) = delete;

  /// Sends SIGUSR1 to `thread` and returns once the handler has run on it, that is, once the system
  /// call it was blocked in has been interrupted.
  void interrupt(pthread_t thread);

 private:
  struct sigaction previous_ {};
};

}  // namespace lesson07_test
