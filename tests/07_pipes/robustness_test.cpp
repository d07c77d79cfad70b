// Tests of lesson 07's Connection under real-world trouble: signals interrupting a blocked transfer,
// a peer that is gone (EPIPE without SIGPIPE), and two peers that both send before reading.
#include "connection.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include "test_support.hpp"
#include "threadlings/io.hpp"
#include "threadlings/testing/interrupting_signal.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/observed_thread.hpp"
#include "threadlings/testing/thread_state.hpp"

namespace {

using threadlings::testing::InterruptingSignal;
using lesson07_test::pattern;
using lesson07_test::set_nonblocking;
using lesson07_test::text_of;
using threadlings::testing::ObservedThread;
using threadlings::lesson07::BrokenPipeError;
using threadlings::lesson07::Connection;
using threadlings::lesson07::Pipe;
using threadlings::testing::wait_until_blocked;

// Fills the pipe behind `writer` completely (non-blocking raw writes until EAGAIN) and returns how
// many bytes that took, so that the next write blocks before writing a single byte.
std::size_t fill_pipe(int writer) {
  set_nonblocking(writer, true);
  const std::vector<std::byte> chunk(4096, std::byte{'x'});
  std::size_t filled = 0;
  for (std::size_t size = chunk.size(); size > 0; size /= 2) {  // whole pages, then the last crumbs
    while (true) {
      const ssize_t written = ::write(writer, chunk.data(), size);
      if (written < 0) break;  // EAGAIN: no room for `size` bytes
      filled += static_cast<std::size_t>(written);
    }
  }
  set_nonblocking(writer, false);
  return filled;
}

// Each test opens descriptors (and some install a signal handler, restored at the end).
class Signals : public threadlings::testing::NoLeaksTest {};
class BrokenPipe : public threadlings::testing::NoLeaksTest {};
class Deadlock : public threadlings::testing::NoLeaksTest {};

// A signal interrupts recv_bytes() while it waits (read fails with EINTR): recv_bytes() retries and
// still returns the message sent afterwards, intact.
TEST_F(Signals, RecvRetriesAfterASignalInterruptsTheWait) {
  InterruptingSignal interrupting;
  auto [a, b] = Pipe();
  std::string received;
  ObservedThread receiver([&] { received = text_of(a.recv_bytes()); });
  EXPECT_TRUE(wait_until_blocked(receiver.tid())) << "the receiver never blocked in recv_bytes()";
  interrupting.interrupt(receiver.native_handle());  // handled: the read it was blocked in returned EINTR
  b.send_bytes(std::string_view("after the signal"));
  receiver.join();  // rethrows what recv_bytes() threw, e.g. std::system_error "Interrupted system call"
  EXPECT_EQ(received, "after the signal");
}

// A signal interrupts send_bytes() blocked on a full pipe before it wrote anything (EINTR):
// send_bytes() retries, and the message arrives whole once the reader makes room.
TEST_F(Signals, SendRetriesAfterASignalInterruptsTheWait) {
  InterruptingSignal interrupting;
  auto [reader, writer] = Pipe(false);
  const std::size_t filler = fill_pipe(writer.fileno());
  ObservedThread sender([&] { writer.send_bytes(std::string_view("after the signal")); });
  EXPECT_TRUE(wait_until_blocked(sender.tid())) << "the sender never blocked on the full pipe";
  interrupting.interrupt(sender.native_handle());
  std::vector<std::byte> drained(filler);
  ASSERT_EQ(threadlings::read_full(reader.fileno(), drained), filler);  // makes room for the message
  const std::string received = text_of(reader.recv_bytes());
  sender.join();
  EXPECT_EQ(received, "after the signal");
}

// A signal arriving after part of a large message went out makes write() return a short count:
// send_bytes() sends the rest, and the receiver gets the whole message.
TEST_F(Signals, SendFinishesAWriteCutShortByASignal) {
  InterruptingSignal interrupting;
  auto [reader, writer] = Pipe(false);
  const auto big = pattern(1024 * 1024);  // sixteen times the default pipe buffer
  ObservedThread sender([&] {
    // Closed when done (or failed): a sender that stopped half-way leaves the receiver a cut message,
    // which it reports, instead of a wait for the rest.
    try {
      writer.send_bytes(big);
    } catch (...) {
      writer.close();
      throw;
    }
    writer.close();
  });
  EXPECT_TRUE(wait_until_blocked(sender.tid())) << "the sender never blocked on the full pipe";
  interrupting.interrupt(sender.native_handle());  // the blocked write returns the bytes written so far
  const auto received = reader.recv_bytes();
  sender.join();
  EXPECT_EQ(received.size(), big.size());
  EXPECT_TRUE(received == big) << "the message arrived changed";
}

// Sending into a pipe whose reader is closed throws BrokenPipeError, and SIGPIPE does not kill the
// process (the test main leaves SIGPIPE at its default action: death).
TEST_F(BrokenPipe, SendToAClosedPipeThrowsBrokenPipe) {
  auto [reader, writer] = Pipe(false);
  reader.close();
  EXPECT_THROW(writer.send_bytes(std::string_view("anyone there?")), BrokenPipeError);
}

// The same over a duplex pipe (a socket pair), where the peer can close with data unread.
TEST_F(BrokenPipe, SendToAClosedSocketThrowsBrokenPipe) {
  auto [a, b] = Pipe();
  a.send_bytes(std::string_view("unread"));
  b.close();
  EXPECT_THROW(a.send_bytes(std::string_view("anyone there?")), BrokenPipeError);
}

// After a BrokenPipeError the thread's signal mask is what it was, and no SIGPIPE is left pending
// (one left pending would kill the process the moment anything unblocks it).
TEST_F(BrokenPipe, LeavesNoSigpipePendingAndTheMaskAsItWas) {
  sigset_t before;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &before), 0);
  ASSERT_EQ(sigismember(&before, SIGPIPE), 0) << "the test expects SIGPIPE unblocked";
  auto [reader, writer] = Pipe(false);
  reader.close();
  EXPECT_THROW(writer.send_bytes(std::string_view("x")), BrokenPipeError);
  sigset_t after;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &after), 0);
  EXPECT_EQ(sigismember(&after, SIGPIPE), 0) << "SIGPIPE is still blocked";
  sigset_t pending;
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0) << "a SIGPIPE is pending";
}

// The pitfall, made visible without hanging: each end sends a message larger than the buffers
// before reading. With non-blocking descriptors both sends stop with EAGAIN: with blocking ones
// (the normal case), both would wait for ever for a reader that never comes.
TEST_F(Deadlock, BothEndsSendingFirstFillBothBuffers) {
  auto [a, b] = Pipe();
  set_nonblocking(a.fileno(), true);
  set_nonblocking(b.fileno(), true);
  const auto big = pattern(8 * 1024 * 1024);
  for (Connection* end : {&a, &b}) {
    try {
      end->send_bytes(big);
      ADD_FAILURE() << "an 8 MiB message fitted into the socket buffers";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code(), std::errc::resource_unavailable_try_again) << error.what();
    }
  }
}

// The fix: a thread per direction. Each end sends its large message from a thread of its own while
// the main threads receive, and both messages arrive whole.
TEST_F(Deadlock, AThreadPerDirectionAvoidsIt) {
  auto [a, b] = Pipe();
  const auto from_a = pattern(2 * 1024 * 1024);
  const auto from_b = pattern(3 * 1024 * 1024);
  ObservedThread a_sender([&] { a.send_bytes(from_a); });
  ObservedThread b_sender([&] { b.send_bytes(from_b); });
  const auto at_b = b.recv_bytes();
  const auto at_a = a.recv_bytes();
  a_sender.join();
  b_sender.join();
  EXPECT_TRUE(at_b == from_a);
  EXPECT_TRUE(at_a == from_b);
}

}  // namespace
