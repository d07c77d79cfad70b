#include "threadlings/sigpipe_blocked.hpp"

#include <cerrno>
#include <ctime>

namespace threadlings {

SigpipeBlocked::SigpipeBlocked() noexcept {
  ::sigemptyset(&sigpipe_);
  ::sigaddset(&sigpipe_, SIGPIPE);
  // Cannot fail: the "how" is valid and both sets are ours.
  ::pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
}

SigpipeBlocked::~SigpipeBlocked() {
  if (::sigismember(&previous_, SIGPIPE) == 1) return;  // blocked before us: a pending one is the caller's
  sigset_t pending;
  ::sigemptyset(&pending);
  if (::sigpending(&pending) == 0 && ::sigismember(&pending, SIGPIPE) == 1) {
    // Take back the SIGPIPE our write raised: unblocked, it would be delivered and end the process.
    const timespec no_wait{};
    while (::sigtimedwait(&sigpipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace threadlings
