// Lesson 07, pipes: make Connection and Pipe pass the tests in tests/07_pipes/.
// Concept: multiprocessing.Pipe and Connection: framed messages over a byte stream; EOF, EPIPE, EINTR.
// Check: ./threadlings check 07    (or ctest --preset student -L lesson07)
#include "connection.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "threadlings/io.hpp"

namespace threadlings::lesson07 {

namespace {

// Blocks SIGPIPE for the calling thread only, for as long as it lives. A write to a pipe whose reader
// is gone then fails with EPIPE, and the SIGPIPE that the kernel raises stays pending instead of
// ending the process. The process-wide disposition (which other code may rely on) is not touched.
class SigpipeBlocker {
 public:
  SigpipeBlocker() noexcept {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    // Cannot fail: the "how" is valid and both sets are ours.
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
    caller_blocked_it_ = sigismember(&previous_, SIGPIPE) == 1;
  }
  ~SigpipeBlocker() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  SigpipeBlocker(const SigpipeBlocker&) = delete;
  SigpipeBlocker& operator=(const SigpipeBlocker&) = delete;

  // Called after EPIPE: takes back the SIGPIPE our write raised, which would otherwise be delivered,
  // and end the process, the moment the destructor unblocks it. When the caller had SIGPIPE blocked
  // already, a pending one is theirs to see, and it stays.
  void discard_pending() noexcept {
    if (caller_blocked_it_) return;
    const timespec no_wait{};
    while (sigtimedwait(&sigpipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }

 private:
  sigset_t sigpipe_{};
  sigset_t previous_{};
  bool caller_blocked_it_ = false;
};

}  // namespace

Connection::Connection(UniqueFd fd, bool readable, bool writable)
    : fd_(std::move(fd)), readable_(readable), writable_(writable) {
  if (!fd_) throw std::invalid_argument("Connection: invalid handle (the descriptor is empty)");
  if (!readable_ && !writable_) {
    throw std::invalid_argument("Connection: at least one of readable and writable must be true");
  }
  // Asked once, here: send_all() picks MSG_NOSIGNAL (sockets) or a blocked SIGPIPE (pipes) by it.
  struct stat info {};
  if (::fstat(fd_.get(), &info) != 0) throw std::system_error(errno, std::generic_category(), "Connection: fstat");
  is_socket_ = S_ISSOCK(info.st_mode);
}

void Connection::check_open(const char* call) const {
  if (!fd_) throw ConnectionUsageError(std::string("Connection::") + call + ": handle is closed");
}

void Connection::send_bytes(std::span<const std::byte> payload) {
  check_open("send_bytes");
  // Checked before a byte goes out: a read end must fail loudly, not write into a read-only descriptor.
  if (!writable_) {
    throw ConnectionUsageError("Connection::send_bytes: connection is read-only (the receiving end of a one-way Pipe)");
  }
  const FrameHeader header = encode_header(payload.size());
  send_all(header.view(), payload);
}

void Connection::send_bytes(std::string_view text) { send_bytes(std::as_bytes(std::span(text.data(), text.size()))); }

void Connection::send_all(std::span<const std::byte> header, std::span<const std::byte> payload) {
  // One gathered write for header and payload: no copy to join them, one system call for a small
  // message, and a message of at most PIPE_BUF bytes is never interleaved with another writer's.
  // (iovec's pointer is not const for historical reasons; writev and sendmsg only read through it.)
  std::array<iovec, 2> parts{{{const_cast<std::byte*>(header.data()), header.size()},
                              {const_cast<std::byte*>(payload.data()), payload.size()}}};
  std::size_t first = 0;  // the first part that still has bytes to send
  std::optional<SigpipeBlocker> sigpipe_blocked;
  if (!is_socket_) sigpipe_blocked.emplace();  // one mask change per message, not per write
  while (first < parts.size()) {
    const auto count = parts.size() - first;
    ssize_t written = 0;
    if (is_socket_) {
      msghdr message{};
      message.msg_iov = &parts[first];
      message.msg_iovlen = count;
      written = ::sendmsg(fd_.get(), &message, MSG_NOSIGNAL);  // a socket can simply not raise SIGPIPE
    } else {
      written = ::writev(fd_.get(), &parts[first], static_cast<int>(count));
    }
    if (written < 0) {
      const int error = errno;
      if (error == EINTR) continue;  // a signal came before any byte went out: nothing lost, try again
      if (error == EPIPE || error == ECONNRESET) {
        if (sigpipe_blocked) sigpipe_blocked->discard_pending();
        throw BrokenPipeError("Connection::send_bytes: broken pipe: the other end is closed");
      }
      throw std::system_error(error, std::generic_category(), "Connection::send_bytes");
    }
    // A partial write (a full buffer, or a signal after some bytes went out): skip what was sent and
    // send the rest, first whole parts, then into the part that was cut.
    auto sent = static_cast<std::size_t>(written);
    while (first < parts.size() && sent >= parts[first].iov_len) {
      sent -= parts[first].iov_len;
      ++first;
    }
    if (sent > 0) {
      parts[first].iov_base = static_cast<std::byte*>(parts[first].iov_base) + sent;
      parts[first].iov_len -= sent;
    }
  }
}

std::vector<std::byte> Connection::recv_bytes(std::size_t maxlength) {
  std::vector<std::byte> payload;
  recv_bytes_into(payload, maxlength);
  return payload;
}

void Connection::recv_bytes_into(std::vector<std::byte>& buffer, std::size_t maxlength) {
  check_open("recv_bytes");
  if (!readable_) {
    throw ConnectionUsageError("Connection::recv_bytes: connection is write-only (the sending end of a one-way Pipe)");
  }
  // read_full() loops over short reads and EINTR, and returns fewer bytes only at end of file: that
  // count is what tells a clean end (nothing at all) from a cut message (some, not all).
  std::array<std::byte, 4> short_header{};
  const std::size_t header_bytes = read_full(fd_.get(), short_header);
  if (header_bytes == 0) throw EOFError("Connection::recv_bytes: end of file: the other end is closed");
  if (header_bytes < short_header.size()) {
    throw TruncatedMessageError("Connection::recv_bytes: got end of file during message (" +
                                std::to_string(header_bytes) + " of 4 header bytes)");
  }
  const std::int32_t short_length = decode_short_header(short_header);
  std::uint64_t length = 0;
  if (short_length == kLongHeaderMarker) {
    std::array<std::byte, 8> long_header{};
    const std::size_t long_bytes = read_full(fd_.get(), long_header);
    if (long_bytes < long_header.size()) {
      throw TruncatedMessageError("Connection::recv_bytes: got end of file during message (" +
                                  std::to_string(long_bytes) + " of 8 length bytes)");
    }
    length = decode_long_header(long_header);
  } else if (short_length < 0) {
    bad_message_length("the header says " + std::to_string(short_length) + " bytes");
  } else {
    length = static_cast<std::uint64_t>(short_length);
  }
  // Checked before anything is allocated or read: the length comes from the peer, and must not make
  // this process allocate whatever the peer claims.
  if (length > maxlength) {
    bad_message_length(std::to_string(length) + " bytes announced, maxlength is " + std::to_string(maxlength));
  }
  buffer.resize(static_cast<std::size_t>(length));  // within the capacity: no allocation
  const std::size_t payload_bytes = read_full(fd_.get(), buffer);
  if (payload_bytes < buffer.size()) {
    // Stricter than CPython, which says EOFError when the cut falls right after the header.
    throw TruncatedMessageError("Connection::recv_bytes: got end of file during message (" +
                                std::to_string(payload_bytes) + " of " + std::to_string(length) +
                                " payload bytes)");
  }
}

void Connection::bad_message_length(const std::string& what) {
  // As CPython: the unread payload still sits in the stream, so no later message can be found. A duplex
  // end can still send; a read-only end has nothing left to do and is closed.
  if (writable_) {
    readable_ = false;
  } else {
    close();
  }
  throw BadMessageLengthError("Connection::recv_bytes: bad message length: " + what);
}

bool Connection::poll(std::optional<std::chrono::nanoseconds> timeout) {
  check_open("poll");
  if (!readable_) throw ConnectionUsageError("Connection::poll: connection is write-only");
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (timeout) {
    // Negative means "do not wait", as in Python; a wait longer than a century is a wait for ever
    // (and keeps now() + timeout from overflowing).
    const auto wait = std::max(*timeout, std::chrono::nanoseconds::zero());
    if (wait < std::chrono::hours(24 * 365 * 100)) deadline = Clock::now() + wait;
  }
  pollfd entry{fd_.get(), POLLIN, 0};
  while (true) {
    timespec remaining{};
    timespec* limit = nullptr;  // no limit: wait for ever
    if (deadline) {
      // Recomputed on each pass, so that an EINTR retry does not restart the whole timeout.
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::max(Clock::duration::zero(), *deadline - Clock::now()));
      remaining.tv_sec = static_cast<std::time_t>(left.count() / 1'000'000'000);
      remaining.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
      limit = &remaining;
    }
    // poll() only looks: the bytes stay in the kernel's buffer for recv_bytes().
    const int ready = ::ppoll(&entry, 1, limit, nullptr);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "Connection::poll");
    }
    if (ready == 0) return false;
    if ((entry.revents & POLLNVAL) != 0) throw std::system_error(EBADF, std::generic_category(), "Connection::poll");
    return true;  // POLLIN: data; POLLHUP or POLLERR: recv_bytes() reports it without waiting
  }
}

void Connection::close() noexcept { fd_.reset(); }

bool Connection::closed() const noexcept { return !fd_; }

bool Connection::readable() const noexcept { return readable_; }

bool Connection::writable() const noexcept { return writable_; }

int Connection::fileno() const {
  check_open("fileno");
  return fd_.get();
}

std::pair<Connection, Connection> Pipe(bool duplex) {
  if (duplex) {
    // A socket pair: one bidirectional stream per end. CLOEXEC at creation, not with a later fcntl(),
    // so that a fork+exec in another thread cannot slip in between.
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      throw std::system_error(errno, std::generic_category(), "Pipe: socketpair");
    }
    UniqueFd first(ends[0]);
    UniqueFd second(ends[1]);
    return {Connection(std::move(first)), Connection(std::move(second))};
  }
  // A pipe carries bytes one way: pipe2(O_CLOEXEC) through the course's make_pipe().
  auto ends = make_pipe();
  return {Connection(std::move(ends.read_end), true, false), Connection(std::move(ends.write_end), false, true)};
}

}  // namespace threadlings::lesson07
