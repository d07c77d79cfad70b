#pragma once
/// @file
/// Writing to a pipe whose reader is gone, without the process dying of SIGPIPE.

#include <signal.h>

namespace threadlings {

/// Keeps SIGPIPE blocked on the calling thread for as long as it lives. A write to a pipe whose
/// reader is gone then fails with EPIPE instead of killing the whole process; the SIGPIPE that the
/// write raised is discarded before the previous mask comes back, so it is never delivered later.
///
/// ```cpp
/// {
///   const threadlings::SigpipeBlocked no_sigpipe;
///   threadlings::write_all(pipe_fd, bytes);   // std::system_error(EPIPE) if the reader is gone
/// }
/// ```
///
/// Why per thread: Python ignores SIGPIPE for the whole interpreter at start-up, but a library must
/// not change a process-wide setting that other code relies on. Sockets need none of this: send with
/// MSG_NOSIGNAL. When SIGPIPE was already blocked on this thread, a pending one belongs to the caller
/// and is left alone.
///
/// @threadsafety Affects only the thread that constructs it; construct and destroy it on that thread.
class SigpipeBlocked {
 public:
  SigpipeBlocked() noexcept;
  ~SigpipeBlocked();
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t sigpipe_{};
  sigset_t previous_{};
};

}  // namespace threadlings
