// Lesson 07, pipes: make Connection and Pipe pass the tests in tests/07_pipes/.
// Concept: multiprocessing.Pipe and Connection: framed messages over a byte stream; EOF, EPIPE, EINTR.
// Check: ./threadlings check 07    (or ctest --preset student -L lesson07)
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framing.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson07 {

/// Base of the errors a Connection reports about its stream or its own state. Python raises
/// OSError (or one of its subclasses) for all of them except EOFError.
/// Errors of the operating system that none of the classes below describe (EBADF, ENOMEM, EAGAIN on a
/// descriptor someone made non-blocking) are thrown as std::system_error instead.
class PipeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's EOFError: the peer closed its end, and the stream ended exactly between two messages.
/// Nothing was lost. This is how a receiver learns that the sender is done.
class EOFError : public PipeError {
 public:
  using PipeError::PipeError;
};

/// Python's OSError("got end of file during message"): the stream ended after part of a message (a
/// piece of the header, or a header and less payload than it announced). The message is lost.
class TruncatedMessageError : public PipeError {
 public:
  using PipeError::PipeError;
};

/// Python's OSError("bad message length"): the header announced more bytes than the receiver's
/// maxlength, or a negative length that no sender writes. The payload was not read.
class BadMessageLengthError : public PipeError {
 public:
  using PipeError::PipeError;
};

/// Python's BrokenPipeError: sending to a pipe or socket whose other end is closed (EPIPE; ECONNRESET
/// on a socket whose peer closed with unread data). The process does not get SIGPIPE.
class BrokenPipeError : public PipeError {
 public:
  using PipeError::PipeError;
};

/// A call the connection's state does not allow, where Python raises OSError: "handle is closed",
/// "connection is read-only" (sending on a read end), "connection is write-only" (receiving on a
/// write end). The message names the call and the misuse.
class ConnectionUsageError : public PipeError {
 public:
  using PipeError::PipeError;
};

/// Python's `multiprocessing.connection.Connection`: whole messages over a pipe or a socket.
///
/// ```cpp
/// auto [parent_end, child_end] = Pipe();          // duplex: both ends send and receive
/// child_end.send_bytes(std::string_view("ping"));
/// std::vector<std::byte> message = parent_end.recv_bytes();   // the 4 bytes "ping", whole
/// ```
///
/// - Every message goes out as a FrameHeader followed by the payload, byte for byte what CPython's
///   Connection writes, so a Python process at the other end understands it (and the other way round).
/// - send_bytes() writes the header and the payload with a single writev()/sendmsg() when it can, and
///   loops until every byte is out: a write may be partial, and a signal may interrupt it (EINTR).
/// - recv_bytes() reads exactly one message, however the bytes were split on the way.
/// - No call ever lets SIGPIPE end the process: a closed peer is reported as BrokenPipeError.
/// - The descriptor must be blocking (Pipe() makes it so). It is closed by close() or the destructor.
///
/// @threadsafety Like one Python Connection: a Connection is not locked. Distinct Connections may be
/// used from distinct threads. On one duplex Connection, one thread may send while another receives.
/// Two threads must not send (or receive) on the same Connection at the same time, and close(), moves
/// and destruction must not overlap any other call.
class Connection {
 public:
  /// The maxlength that means "no limit" (Python's maxlength=None).
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  /// `Connection(handle, readable, writable)`: takes ownership of `fd`.
  /// Throws std::invalid_argument when `fd` is empty ("invalid handle") or when both directions are
  /// false ("at least one of readable and writable must be true"); the descriptor is closed then.
  explicit Connection(UniqueFd fd, bool readable = true, bool writable = true);

  /// Closes the descriptor, if still open.
  ~Connection() = default;

  /// Moves ownership; the moved-from Connection is closed.
  Connection(Connection&& other) noexcept = default;
  Connection& operator=(Connection&& other) noexcept = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// `send_bytes(buf)`: sends `payload` as one message.
  /// Blocks: until every byte is in the pipe or socket buffer (that is, until the peer has read enough
  /// to make room). Retries EINTR and finishes partial writes.
  /// Throws ConnectionUsageError when closed or read-only; BrokenPipeError when the peer has closed
  /// its end (part of the message may have gone out); std::system_error for other errors.
  void send_bytes(std::span<const std::byte> payload);
  /// The same, for text: sends the characters of `text` as bytes.
  void send_bytes(std::string_view text);

  /// `recv_bytes(maxlength)`: receives one whole message and returns its payload.
  /// Blocks: until a whole message has arrived, or end of file. Retries EINTR and short reads.
  /// Throws EOFError when the stream ends at a message boundary; TruncatedMessageError when it ends
  /// inside a message; BadMessageLengthError when the announced length is over `maxlength` (the
  /// payload is not read, and nothing is allocated for it). After a bad length, as in CPython, a
  /// duplex Connection stops being readable and a read-only one is closed: the rest of that message is
  /// still in the stream, so no later message could be found. Throws ConnectionUsageError when
  /// closed or write-only; std::system_error for other errors.
  [[nodiscard]] std::vector<std::byte> recv_bytes(std::size_t maxlength = kUnlimited);

  /// Like recv_bytes(), but into `buffer`, whose memory is reused: afterwards buffer.size() is the
  /// message's size, and when its capacity was enough nothing was allocated (and nothing zero-filled
  /// but growth beyond the old size). For a loop receiving many messages. Python's recv_bytes_into()
  /// writes into a fixed buffer and raises BufferTooShort; this one grows the vector instead.
  /// Blocks and throws as recv_bytes(); after an exception, `buffer` holds unspecified bytes.
  void recv_bytes_into(std::vector<std::byte>& buffer, std::size_t maxlength = kUnlimited);

  /// `poll(timeout)`: whether recv_bytes() would return without waiting, either because data has
  /// arrived or because the peer has closed (then recv_bytes() throws EOFError). Consumes nothing.
  /// `timeout`: zero (the default) only checks; std::nullopt waits for ever; a negative value is
  /// treated as zero, as Python does.
  /// Blocks: up to `timeout`. Retries EINTR without extending the deadline.
  /// Throws ConnectionUsageError when closed or write-only; std::system_error for other errors.
  [[nodiscard]] bool poll(std::optional<std::chrono::nanoseconds> timeout = std::chrono::nanoseconds::zero());

  /// Closes the descriptor. Harmless when already closed.
  void close() noexcept;

  /// Whether close() was called (or the Connection was moved from, or closed after a bad length).
  [[nodiscard]] bool closed() const noexcept;
  /// Whether recv_bytes() is allowed (false for the write end of a one-way Pipe).
  [[nodiscard]] bool readable() const noexcept;
  /// Whether send_bytes() is allowed (false for the read end of a one-way Pipe).
  [[nodiscard]] bool writable() const noexcept;
  /// The descriptor, still owned by the Connection (for poll() on many connections, or fcntl).
  /// Throws ConnectionUsageError when closed.
  [[nodiscard]] int fileno() const;

 private:
  /// Throws ConnectionUsageError naming `call` when the connection is closed.
  void check_open(const char* call) const;
  /// Writes every byte of `header` then `payload`, as few system calls as the kernel allows.
  void send_all(std::span<const std::byte> header, std::span<const std::byte> payload);
  /// CPython's _bad_message_length(): stop reading (duplex) or close (read-only), then throw.
  [[noreturn]] void bad_message_length(const std::string& what);

  // Whether the descriptor is a socket is decided once, at construction: a socket can be told not to
  // raise SIGPIPE (MSG_NOSIGNAL); a pipe cannot, so send_all() blocks the signal around the write.
  UniqueFd fd_;
  bool readable_ = true;
  bool writable_ = true;
  bool is_socket_ = false;
};

/// `multiprocessing.Pipe(duplex)`: two connected Connections, returned as (first, second).
/// - duplex (the default): a socketpair(AF_UNIX, SOCK_STREAM); both ends send and receive.
/// - not duplex: a pipe; `first` only receives and `second` only sends, as in Python.
/// Both descriptors are close-on-exec, so a program started with exec() inherits neither by accident.
/// Throws std::system_error when the system is out of descriptors (EMFILE, ENFILE).
/// @threadsafety Safe to call from any thread.
[[nodiscard]] std::pair<Connection, Connection> Pipe(bool duplex = true);

}  // namespace threadlings::lesson07
