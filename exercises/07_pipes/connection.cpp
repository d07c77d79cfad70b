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
#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson07 {

// TODO: take the descriptor and the two directions; throw std::invalid_argument for an empty
// descriptor or for readable == writable == false; find out once, with fstat() and S_ISSOCK, whether
// the descriptor is a socket.
Connection::Connection(UniqueFd fd, bool readable, bool writable) : fd_(std::move(fd)) {
  throw NotImplemented("Connection::Connection — see lesson 07");
}

// TODO: throw ConnectionUsageError("Connection::<call>: handle is closed") when there is no descriptor.
void Connection::check_open(const char* call) const {
  throw NotImplemented("Connection::check_open — see lesson 07");
}

// TODO: refuse a closed or read-only connection (ConnectionUsageError, "connection is read-only"),
// then send encode_header(payload.size()) and the payload with send_all().
void Connection::send_bytes(std::span<const std::byte> payload) {
  throw NotImplemented("Connection::send_bytes — see lesson 07");
}

// TODO: the characters of `text` are the payload (std::as_bytes turns a span of char into bytes).
void Connection::send_bytes(std::string_view text) {
  throw NotImplemented("Connection::send_bytes(text) — see lesson 07");
}

// TODO: write header then payload with one writev() (pipes) or sendmsg(..., MSG_NOSIGNAL) (sockets)
// per attempt, in a loop: EINTR means "nothing written, try again"; a count smaller than what is left
// means "skip that much and write the rest"; EPIPE or ECONNRESET is a BrokenPipeError; any other
// error a std::system_error. On a pipe, block SIGPIPE for this thread around the loop
// (pthread_sigmask), and after an EPIPE take the pending SIGPIPE back with sigtimedwait() before
// restoring the mask, or it is delivered then and ends the process.
void Connection::send_all(std::span<const std::byte> header, std::span<const std::byte> payload) {
  throw NotImplemented("Connection::send_all — see lesson 07");
}

// TODO: recv_bytes_into() a new vector, and return it.
std::vector<std::byte> Connection::recv_bytes(std::size_t maxlength) {
  throw NotImplemented("Connection::recv_bytes — see lesson 07");
}

// TODO: refuse a closed or write-only connection ("connection is write-only"). Read the 4-byte header
// with read_full() (it loops over short reads and EINTR, and returns fewer bytes only at end of file):
// 0 bytes is EOFError, 1 to 3 a TruncatedMessageError. -1 means 8 more bytes of length; another
// negative value is a bad length. Compare the length with maxlength BEFORE resizing `buffer` or reading
// the payload; then resize and read it, and a short count is a TruncatedMessageError.
void Connection::recv_bytes_into(std::vector<std::byte>& buffer, std::size_t maxlength) {
  throw NotImplemented("Connection::recv_bytes_into — see lesson 07");
}

// TODO: as CPython's _bad_message_length(): a writable (duplex) end stops being readable, a read-only
// end is closed; then throw BadMessageLengthError("...bad message length: " + what).
void Connection::bad_message_length(const std::string& what) {
  throw NotImplemented("Connection::bad_message_length — see lesson 07");
}

// TODO: refuse a closed or write-only connection. Wait with ppoll() for POLLIN on the descriptor: no
// limit for std::nullopt, else until a deadline (a negative timeout is zero). On EINTR wait again for
// what is left of the time. Any event (POLLIN, POLLHUP, POLLERR) means "recv_bytes() will not wait".
// Never read here: poll() must leave the message where it is.
bool Connection::poll(std::optional<std::chrono::nanoseconds> timeout) {
  throw NotImplemented("Connection::poll — see lesson 07");
}

// TODO: close the descriptor (UniqueFd::reset); harmless when already closed.
void Connection::close() noexcept {}

// TODO: the four below report the state; fileno() refuses a closed connection.
bool Connection::closed() const noexcept { return false; }

bool Connection::readable() const noexcept { return false; }

bool Connection::writable() const noexcept { return false; }

int Connection::fileno() const { throw NotImplemented("Connection::fileno — see lesson 07"); }

// TODO: duplex: socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), two read-write Connections.
// Otherwise: make_pipe() (pipe2 with O_CLOEXEC); the read end only reads, the write end only writes.
std::pair<Connection, Connection> Pipe(bool duplex) { throw NotImplemented("Pipe — see lesson 07"); }

}  // namespace threadlings::lesson07
