// Tests of lesson 07's Connection and Pipe: messages, poll, the two kinds of end of file, maxlength,
// and the misuses Python reports as OSError.
#include "connection.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "framing.hpp"
#include "test_support.hpp"
#include "threadlings/io.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;
using lesson07_test::bytes_of;
using lesson07_test::pattern;
using lesson07_test::text_of;
using threadlings::testing::ObservedThread;
using lesson07_test::write_raw;
using threadlings::UniqueFd;
using threadlings::lesson07::BadMessageLengthError;
using threadlings::lesson07::Connection;
using threadlings::lesson07::ConnectionUsageError;
using threadlings::lesson07::EOFError;
using threadlings::lesson07::Pipe;
using threadlings::lesson07::TruncatedMessageError;
using ::testing::HasSubstr;

bool is_close_on_exec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

mode_t file_type(int fd) {
  struct stat info {};
  EXPECT_EQ(::fstat(fd, &info), 0);
  return info.st_mode & S_IFMT;
}

// Every test here opens descriptors: each must close what it opened.
class PipeEnds : public threadlings::testing::NoLeaksTest {};
class Messages : public threadlings::testing::NoLeaksTest {};
class Polling : public threadlings::testing::NoLeaksTest {};
class EndOfFile : public threadlings::testing::NoLeaksTest {};
class MaxLength : public threadlings::testing::NoLeaksTest {};

// Pipe() (duplex) is a socket pair: both ends read and write, and neither leaks into an exec'd program.
TEST_F(PipeEnds, DuplexEndsAreCloseOnExecSocketsThatReadAndWrite) {
  auto [a, b] = Pipe();
  for (const Connection* end : {&a, &b}) {
    EXPECT_TRUE(end->readable());
    EXPECT_TRUE(end->writable());
    EXPECT_FALSE(end->closed());
    EXPECT_EQ(file_type(end->fileno()), static_cast<mode_t>(S_IFSOCK));
    EXPECT_TRUE(is_close_on_exec(end->fileno()));
  }
  EXPECT_NE(a.fileno(), b.fileno());
}

// Pipe(false) is a pipe: the first end only reads, the second only writes, as in Python.
TEST_F(PipeEnds, OneWayPipeHasAReadEndAndAWriteEnd) {
  auto [reader, writer] = Pipe(false);
  EXPECT_TRUE(reader.readable());
  EXPECT_FALSE(reader.writable());
  EXPECT_FALSE(writer.readable());
  EXPECT_TRUE(writer.writable());
  EXPECT_EQ(file_type(reader.fileno()), static_cast<mode_t>(S_IFIFO));
  EXPECT_TRUE(is_close_on_exec(reader.fileno()));
  EXPECT_TRUE(is_close_on_exec(writer.fileno()));
}

// Sending on the read end is refused before any byte moves: "connection is read-only".
TEST_F(PipeEnds, SendOnTheReadEndThrowsReadOnly) {
  auto [reader, writer] = Pipe(false);
  try {
    reader.send_bytes(std::string_view("wrong way"));
    ADD_FAILURE() << "send_bytes on a read-only end did not throw";
  } catch (const ConnectionUsageError& error) {
    EXPECT_THAT(error.what(), HasSubstr("read-only"));
  }
}

// Receiving on the write end is refused: "connection is write-only".
TEST_F(PipeEnds, RecvOnTheWriteEndThrowsWriteOnly) {
  auto [reader, writer] = Pipe(false);
  try {
    (void)writer.recv_bytes();
    ADD_FAILURE() << "recv_bytes on a write-only end did not throw";
  } catch (const ConnectionUsageError& error) {
    EXPECT_THAT(error.what(), HasSubstr("write-only"));
  }
  EXPECT_THROW((void)writer.poll(), ConnectionUsageError);
}

// After close(), every call says "handle is closed"; closing again is harmless.
TEST_F(PipeEnds, CloseMakesEveryCallThrowHandleIsClosed) {
  auto [a, b] = Pipe();
  a.close();
  EXPECT_TRUE(a.closed());
  try {
    a.send_bytes(std::string_view("x"));
    ADD_FAILURE() << "send_bytes after close() did not throw";
  } catch (const ConnectionUsageError& error) {
    EXPECT_THAT(error.what(), HasSubstr("closed"));
  }
  EXPECT_THROW((void)a.recv_bytes(), ConnectionUsageError);
  EXPECT_THROW((void)a.poll(), ConnectionUsageError);
  EXPECT_THROW((void)a.fileno(), ConnectionUsageError);
  a.close();
  EXPECT_TRUE(a.closed());
}

// A Connection needs a descriptor and at least one direction (Python: ValueError).
TEST_F(PipeEnds, ConstructorRejectsAnEmptyDescriptorOrNoDirection) {
  EXPECT_THROW(Connection{UniqueFd{}}, std::invalid_argument);
  auto ends = threadlings::make_pipe();
  EXPECT_THROW(Connection(std::move(ends.read_end), false, false), std::invalid_argument);
}

// Moving a Connection moves the descriptor: the moved-from one is closed, the new one works.
TEST_F(PipeEnds, MovingTransfersTheDescriptor) {
  auto [a, b] = Pipe();
  const int fd = a.fileno();
  Connection moved = std::move(a);
  EXPECT_TRUE(a.closed());  // NOLINT(bugprone-use-after-move): the state after a move is specified
  EXPECT_EQ(moved.fileno(), fd);
  moved.send_bytes(std::string_view("still here"));
  EXPECT_EQ(text_of(b.recv_bytes()), "still here");
}

// Messages go both ways on a duplex pipe, each arriving whole, including an empty one.
TEST_F(Messages, SmallMessagesRoundTripBothWays) {
  auto [a, b] = Pipe();
  a.send_bytes(std::string_view("hello"));
  a.send_bytes(std::string_view(""));
  b.send_bytes(std::string_view("world"));
  EXPECT_EQ(text_of(b.recv_bytes()), "hello");
  EXPECT_TRUE(b.recv_bytes().empty());
  EXPECT_EQ(text_of(a.recv_bytes()), "world");
}

// recv_bytes_into() puts the message in the caller's vector and reuses its memory when it is enough.
TEST_F(Messages, RecvBytesIntoReusesTheCallersVector) {
  auto [a, b] = Pipe();
  std::vector<std::byte> buffer;
  buffer.reserve(100);
  const std::byte* memory = buffer.data();
  b.send_bytes(std::string_view("first message"));
  b.send_bytes(std::string_view("2nd"));
  a.recv_bytes_into(buffer);
  EXPECT_EQ(text_of(buffer), "first message");
  a.recv_bytes_into(buffer);
  EXPECT_EQ(text_of(buffer), "2nd");
  EXPECT_EQ(buffer.data(), memory) << "the vector was reallocated although its capacity was enough";
}

// The bytes on the wire are CPython's: 00 00 00 05 then "hello", nothing more.
TEST_F(Messages, WireBytesMatchPythonsFraming) {
  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string_view("hello"));
  writer.close();
  std::array<std::byte, 16> wire{};
  const std::size_t got = threadlings::read_full(reader.fileno(), wire);
  ASSERT_EQ(got, 9u);
  const std::vector<std::byte> expected{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{5}, std::byte{'h'},
                                        std::byte{'e'}, std::byte{'l'}, std::byte{'l'}, std::byte{'o'}};
  EXPECT_EQ(std::vector<std::byte>(wire.begin(), wire.begin() + 9), expected);
}

// A message much larger than the pipe's buffer arrives whole and in order (short reads and writes).
TEST_F(Messages, LargeMessageArrivesWhole) {
  auto [reader, writer] = Pipe(false);
  const auto big = pattern(4 * 1024 * 1024 + 7);
  ObservedThread sender([&] { writer.send_bytes(big); });
  const auto received = reader.recv_bytes();
  sender.join();
  EXPECT_EQ(received.size(), big.size());
  EXPECT_TRUE(received == big) << "the 4 MiB message arrived changed";
}

// Header and payload of a small message leave in one write: on a SOCK_SEQPACKET socket, where every
// write is one record, the peer's first read gets all 9 bytes. (One write of at most PIPE_BUF bytes
// is what keeps two writers' small messages from interleaving on a pipe.)
TEST_F(Messages, SmallMessageGoesOutInOneWrite) {
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends), 0);
  UniqueFd peer(ends[1]);
  Connection sender{UniqueFd(ends[0])};
  sender.send_bytes(std::string_view("hello"));
  std::array<std::byte, 64> record{};
  const ssize_t got = ::recv(peer.get(), record.data(), record.size(), 0);
  EXPECT_EQ(got, 9) << "the first write carried " << got << " bytes: header and payload went separately";
}

// Several writers sharing one pipe (as forked children do): messages of at most PIPE_BUF bytes
// never mix, because each goes out in one write, which the kernel keeps whole.
TEST_F(Messages, SmallMessagesFromTwoWritersNeverInterleave) {
  auto [reader, writer] = Pipe(false);
  Connection second_writer(UniqueFd(::fcntl(writer.fileno(), F_DUPFD_CLOEXEC, 0)), false, true);
  constexpr int kMessages = 2000;
  constexpr std::size_t kSize = 1000;  // + 4 header bytes, well under PIPE_BUF (4096)
  auto run = [&](Connection& out, char tag) {
    const std::string message(kSize, tag);
    for (int i = 0; i < kMessages; ++i) out.send_bytes(std::string_view(message));
  };
  ObservedThread first([&] { run(writer, 'a'); });
  ObservedThread second([&] { run(second_writer, 'b'); });
  int intact = 0;
  for (int i = 0; i < 2 * kMessages; ++i) {
    const std::string message = text_of(reader.recv_bytes());
    if (message == std::string(kSize, 'a') || message == std::string(kSize, 'b')) ++intact;
  }
  first.join();
  second.join();
  EXPECT_EQ(intact, 2 * kMessages);
}

// With nothing sent, poll() and poll(0) say "nothing to read", and so does a negative timeout.
TEST_F(Polling, ReturnsFalseWhenNothingWasSent) {
  auto [a, b] = Pipe();
  EXPECT_FALSE(a.poll());
  EXPECT_FALSE(a.poll(0ms));
  EXPECT_FALSE(a.poll(-1s)) << "a negative timeout means zero, as in Python";
}

// poll() looks without taking: after it says yes (twice), recv_bytes() gets the whole message.
TEST_F(Polling, DoesNotConsumeTheMessage) {
  auto [a, b] = Pipe();
  b.send_bytes(std::string_view("keep me"));
  EXPECT_TRUE(a.poll());
  EXPECT_TRUE(a.poll(1h));
  EXPECT_EQ(text_of(a.recv_bytes()), "keep me");
  EXPECT_FALSE(a.poll());
}

// poll(std::nullopt) waits for ever: it returns true once a message is sent, however late.
TEST_F(Polling, WithoutTimeoutWaitsForAMessage) {
  auto [a, b] = Pipe();
  bool ready = false;
  ObservedThread waiter([&] { ready = a.poll(std::nullopt); });
  // Send only once the waiter is blocked in poll: an implementation that does not wait returns false.
  EXPECT_TRUE(threadlings::testing::wait_until_blocked(waiter.tid()));
  b.send_bytes(std::string_view("now"));
  waiter.join();
  EXPECT_TRUE(ready);
}

// When the peer has closed, poll() says "readable" (recv_bytes() will not wait: it reports EOF).
TEST_F(Polling, ReportsEndOfFileAsReadable) {
  auto [a, b] = Pipe();
  b.close();
  EXPECT_TRUE(a.poll());
  EXPECT_THROW((void)a.recv_bytes(), EOFError);
}

// The peer closed between messages: the messages before arrive, then EOFError (Python's EOFError).
TEST_F(EndOfFile, AtAMessageBoundaryThrowsEOFError) {
  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string_view("last words"));
  writer.close();
  EXPECT_EQ(text_of(reader.recv_bytes()), "last words");
  EXPECT_THROW((void)reader.recv_bytes(), EOFError);
}

// The stream ends inside the 4-byte header: the message is cut, not finished.
TEST_F(EndOfFile, InsideTheHeaderThrowsTruncatedMessage) {
  auto [reader, writer] = Pipe(false);
  write_raw(writer.fileno(), {std::byte{0}, std::byte{0}});
  writer.close();
  EXPECT_THROW((void)reader.recv_bytes(), TruncatedMessageError);
}

// The stream ends inside the payload (3 of 10 bytes): "got end of file during message".
TEST_F(EndOfFile, InsideThePayloadThrowsTruncatedMessage) {
  auto [reader, writer] = Pipe(false);
  write_raw(writer.fileno(), {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{10}, std::byte{'a'},
                              std::byte{'b'}, std::byte{'c'}});
  writer.close();
  EXPECT_THROW((void)reader.recv_bytes(), TruncatedMessageError);
}

// A header and then nothing is a cut message too (CPython says EOFError here; this course is stricter).
TEST_F(EndOfFile, RightAfterTheHeaderThrowsTruncatedMessage) {
  auto [reader, writer] = Pipe(false);
  write_raw(writer.fileno(), {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{10}});
  writer.close();
  EXPECT_THROW((void)reader.recv_bytes(), TruncatedMessageError);
}

// A message of exactly maxlength bytes is accepted.
TEST_F(MaxLength, MessageOfExactlyMaxlengthIsAccepted) {
  auto [a, b] = Pipe();
  b.send_bytes(std::string_view("12345"));
  EXPECT_EQ(text_of(a.recv_bytes(5)), "12345");
}

// A longer message is rejected without reading its payload: the payload is still in the stream after.
TEST_F(MaxLength, LongerMessageIsRejectedWithoutReadingItsPayload) {
  auto [a, b] = Pipe();
  b.send_bytes(std::string_view("0123456789"));
  try {
    (void)a.recv_bytes(5);
    ADD_FAILURE() << "recv_bytes(5) accepted a 10-byte message";
  } catch (const BadMessageLengthError& error) {
    EXPECT_THAT(error.what(), HasSubstr("bad message length"));
  }
  std::array<std::byte, 10> left{};
  ASSERT_EQ(::recv(a.fileno(), left.data(), left.size(), MSG_DONTWAIT), 10) << "the payload was read";
  EXPECT_EQ(text_of(std::vector<std::byte>(left.begin(), left.end())), "0123456789");
}

// A header claiming an exbibyte (2^60 bytes) is refused before anything is allocated for it: the
// error is BadMessageLengthError, not std::bad_alloc.
TEST_F(MaxLength, HugeAnnouncedLengthIsRefusedBeforeAllocating) {
  auto [a, b] = Pipe();
  const auto header = threadlings::lesson07::encode_header(std::uint64_t{1} << 60);
  write_raw(b.fileno(), std::vector<std::byte>(header.view().begin(), header.view().end()));
  EXPECT_THROW((void)a.recv_bytes(1024 * 1024), BadMessageLengthError);
}

// After a bad length, as in CPython: a duplex end can no longer receive (it can still send), and a
// read-only end is closed.
TEST_F(MaxLength, BadLengthStopsReadingDuplexAndClosesReadOnly) {
  auto [a, b] = Pipe();
  b.send_bytes(std::string_view("too long"));
  EXPECT_THROW((void)a.recv_bytes(3), BadMessageLengthError);
  EXPECT_FALSE(a.readable());
  EXPECT_FALSE(a.closed());
  EXPECT_THROW((void)a.recv_bytes(), ConnectionUsageError);
  a.send_bytes(std::string_view("but I can still talk"));
  EXPECT_EQ(text_of(b.recv_bytes()), "but I can still talk");

  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string_view("too long"));
  EXPECT_THROW((void)reader.recv_bytes(3), BadMessageLengthError);
  EXPECT_TRUE(reader.closed());
}

// A negative length other than the marker -1 is no valid header: bad message length.
TEST_F(MaxLength, NegativeLengthIsABadMessageLength) {
  auto [a, b] = Pipe();
  write_raw(b.fileno(), {std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xfe}});
  EXPECT_THROW((void)a.recv_bytes(), BadMessageLengthError);
}

}  // namespace
