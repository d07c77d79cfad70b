#pragma once
/// @file
/// Interrupting a blocked system call on purpose, to test that the code under test retries EINTR.

#include <pthread.h>
#include <signal.h>

namespace threadlings::testing {

/// Installs a do-nothing handler for SIGUSR1 *without* SA_RESTART, so that a blocking system call the
/// signal interrupts fails with EINTR (or returns a short count) instead of being restarted by the
/// kernel; epoll_wait() and poll() fail with EINTR whatever the flag. Restores the previous action
/// when destroyed. The process-wide setup of the test main (SIGPIPE and the rest) is not touched.
///
/// ```cpp
/// InterruptingSignal interrupting;
/// ObservedThread receiver([&] { got = connection.recv_bytes(); });
/// ASSERT_TRUE(receiver.blocked());
/// interrupting.interrupt(receiver.native_handle());  // recv_bytes() must retry, not fail
/// ```
///
/// @threadsafety One at a time per process (it owns SIGUSR1's action while it lives); construct and
/// destroy it on the test's main thread. interrupt() may be called from any thread.
class InterruptingSignal {
 public:
  InterruptingSignal();
  ~InterruptingSignal();
  InterruptingSignal(const InterruptingSignal&) = delete;
  InterruptingSignal& operator=(const InterruptingSignal&) = delete;

  /// Sends SIGUSR1 to `thread` and returns once the handler has run on it, that is, once the system
  /// call it was blocked in has been interrupted. Throws std::system_error if the signal cannot be sent.
  void interrupt(pthread_t thread);

 private:
  struct sigaction previous_ {};
};

}  // namespace threadlings::testing
