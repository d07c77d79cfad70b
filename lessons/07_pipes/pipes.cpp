// Lesson 07 demo: multiprocessing.Pipe in C++. A parent and a forked child talk over Pipe(); the
// header bytes on the wire; the send-before-read deadlock, probed without hanging, and its fix;
// PIPE_BUF and several writers; then throughput: Connection against a raw write/read loop of the same
// framed bytes, and against CPython's own Connection when python3 is on PATH.
//
//   build/student/demos/exercise/07_pipes/pipes [--quick] [--trace pipes.json]
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connection.hpp"
#include "framing.hpp"
#include "threadlings/child_process.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/io.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/trace_recorder.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::lesson07::Connection;
using threadlings::lesson07::encode_header;
using threadlings::lesson07::EOFError;
using threadlings::lesson07::Pipe;

std::string text_of(const std::vector<std::byte>& bytes) {
  std::string text(bytes.size(), '\0');
  std::transform(bytes.begin(), bytes.end(), text.begin(), [](std::byte b) { return static_cast<char>(b); });
  return text;
}

std::string hex(std::span<const std::byte> bytes) {
  std::ostringstream out;
  for (const std::byte b : bytes) out << std::hex << std::setw(2) << std::setfill('0') << std::to_integer<int>(b) << ' ';
  std::string text = out.str();
  if (!text.empty()) text.pop_back();
  return text;
}

// Bytes that have arrived at `fd` and are not read yet (FIONREAD).
int unread_bytes(int fd) {
  int count = 0;
  if (::ioctl(fd, FIONREAD, &count) != 0) throw std::system_error(errno, std::generic_category(), "ioctl FIONREAD");
  return count;
}

void set_nonblocking(int fd) {
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "fcntl");
  }
}

// 1. Python's classic: Process(target=worker, args=(child_end,)), then talk over the pipe.
void parent_and_child() {
  std::cout << "1. A parent and a forked child talking over Pipe() (a socket pair: both ways).\n";
  auto [parent_end, child_end] = Pipe();
  std::cout << std::flush;  // the child inherits a copy of unflushed output: flush before fork()
  const pid_t child = ::fork();
  if (child < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (child == 0) {
    // The child: close the parent's end first (else the child itself would keep it open), then answer
    // every word in capitals until the parent closes its end: EOFError is the "no more work" signal.
    parent_end.close();
    int code = 0;
    try {
      while (true) {
        std::string word = text_of(child_end.recv_bytes());
        std::transform(word.begin(), word.end(), word.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
        child_end.send_bytes(std::string_view(word));
      }
    } catch (const EOFError&) {
      code = 0;
    } catch (...) {
      code = 1;
    }
    child_end.close();
    ::_exit(code);  // not exit(): the parent's atexit handlers and buffers are not the child's to run
  }
  child_end.close();  // the parent's copy of the child's end: kept open, the child would never see EOF
  for (const std::string_view word : {"pipes", "frames", "eof"}) {
    parent_end.send_bytes(word);
    std::cout << "  parent sent \"" << word << "\", child " << child << " answered \""
              << text_of(parent_end.recv_bytes()) << "\"\n";
  }
  parent_end.close();
  const int code = threadlings::exit_code_from_status(threadlings::wait_for_child(child));
  std::cout << "  the parent closed its end; the child's recv_bytes() raised EOFError and it exited with code "
            << code << "\n\n";
}

// 2. What send_bytes() puts in front of the payload.
void wire_format() {
  std::cout << "2. The frame on the wire (CPython's multiprocessing.connection format).\n";
  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string_view("hello"));
  writer.close();
  std::vector<std::byte> wire(64);
  wire.resize(threadlings::read_full(reader.fileno(), wire));
  std::cout << "  send_bytes(\"hello\") wrote " << wire.size() << " bytes: " << hex(wire) << "\n";
  std::cout << "  header for 2^31 - 1 bytes: " << hex(encode_header(0x7fff'ffff).view()) << "\n";
  std::cout << "  header for 3 GiB:          " << hex(encode_header(std::uint64_t{3} << 30).view())
            << "   (-1, then 8 bytes)\n\n";
}

// 3. Both ends send a large message before reading. Probed with non-blocking descriptors: where a
// blocking send would wait for ever, a non-blocking one stops with EAGAIN and says how far it got.
void deadlock(threadlings::TraceRecorder& trace, bool quick) {
  std::cout << "3. Both ends send 8 MiB before either reads.\n";
  {
    auto [pipe_reader, pipe_writer] = Pipe(false);
    std::cout << "  a pipe holds " << ::fcntl(pipe_writer.fileno(), F_GETPIPE_SZ) << " bytes (F_GETPIPE_SZ); "
              << "PIPE_BUF, the largest write kept whole, is " << PIPE_BUF << " bytes\n";
  }
  const std::vector<std::byte> big(8 * 1024 * 1024, std::byte{'x'});
  {
    auto [a, b] = Pipe();
    set_nonblocking(a.fileno());
    set_nonblocking(b.fileno());
    for (auto [end, name] : {std::pair{&a, "a"}, std::pair{&b, "b"}}) {
      try {
        end->send_bytes(big);
      } catch (const std::system_error& error) {
        const int unread = unread_bytes(end == &a ? b.fileno() : a.fileno());
        std::cout << "  end " << name << ": send_bytes stopped with \"" << error.code().message() << "\" after "
                  << unread << " bytes were queued for the peer\n";
      }
    }
    std::cout << "  both ends are stuck: with blocking descriptors both sends would wait for ever for a reader.\n";
  }
  const std::vector<std::byte> message(quick ? 1024 * 1024 : 8 * 1024 * 1024, std::byte{'y'});
  auto [a, b] = Pipe();
  threadlings::Stopwatch took;
  std::jthread a_sender([&] {
    trace.name_thread("a: sender");
    auto span = trace.span("a sends");
    a.send_bytes(message);
  });
  std::jthread b_sender([&] {
    trace.name_thread("b: sender");
    auto span = trace.span("b sends");
    b.send_bytes(message);
  });
  std::size_t at_a = 0;
  std::size_t at_b = 0;
  {
    auto span = trace.span("main receives");
    at_b = b.recv_bytes().size();
    at_a = a.recv_bytes().size();
  }
  a_sender.join();
  b_sender.join();
  std::cout << "  the fix, a sending thread per end: both " << message.size() / (1024 * 1024)
            << " MiB messages arrived (" << at_a << " and " << at_b << " bytes) in "
            << static_cast<int>(took.elapsed_milliseconds()) << " ms\n\n";
}

// 4. Two writers share one pipe, as forked children that inherited the same write end do.
// Returns how many messages the reader found whole before the first one that was mixed with the other
// writer's bytes (after that the stream cannot be parsed at all).
std::size_t whole_messages_from_two_writers(std::size_t size, int messages_each) {
  auto [reader, writer] = Pipe(false);
  Connection second_writer(threadlings::UniqueFd(::fcntl(writer.fileno(), F_DUPFD_CLOEXEC, 0)), false, true);
  std::vector<std::byte> stream;
  std::jthread drain([&] {  // reads the raw bytes until both writers have closed
    std::vector<std::byte> chunk(64 * 1024);
    while (true) {
      const std::size_t got = threadlings::read_full(reader.fileno(), chunk);
      stream.insert(stream.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
      if (got < chunk.size()) return;
    }
  });
  {
    auto write = [size, messages_each](Connection& out, char tag) {
      const std::vector<std::byte> message(size, static_cast<std::byte>(tag));
      for (int i = 0; i < messages_each; ++i) out.send_bytes(message);
      out.close();
    };
    std::jthread first([&] { write(writer, 'a'); });
    std::jthread second([&] { write(second_writer, 'b'); });
  }
  drain.join();
  std::size_t offset = 0;
  std::size_t whole = 0;
  while (offset + 4 + size <= stream.size()) {
    const auto length = threadlings::lesson07::decode_short_header(std::span<const std::byte, 4>(stream.data() + offset, 4));
    if (length < 0 || static_cast<std::size_t>(length) != size) break;
    const auto payload = std::span(stream).subspan(offset + 4, size);
    if (std::count(payload.begin(), payload.end(), payload.front()) != static_cast<std::ptrdiff_t>(size)) break;
    ++whole;
    offset += 4 + size;
  }
  return whole;
}

void several_writers(bool quick) {
  std::cout << "4. Two writers, one pipe, no lock (as two forked children sharing an inherited end).\n";
  const int small_each = quick ? 200 : 2000;
  const std::size_t small = whole_messages_from_two_writers(1000, small_each);
  std::cout << "  1000-byte messages (one write each, <= PIPE_BUF): " << small << " of " << 2 * small_each
            << " arrived whole\n";
  const int large_each = quick ? 8 : 64;
  const std::size_t large = whole_messages_from_two_writers(256 * 1024, large_each);
  if (large == static_cast<std::size_t>(2 * large_each)) {
    std::cout << "  256 KiB messages (> PIPE_BUF): all arrived whole this time: luck, not a guarantee\n";
  } else {
    std::cout << "  256 KiB messages (> PIPE_BUF): message " << large + 1 << " of " << 2 * large_each
              << " was mixed with the other writer's bytes; the stream is garbage from there on\n";
  }
  std::cout << "  (this is why multiprocessing.Queue holds a lock around each send_bytes on POSIX)\n\n";
}

// 5. Throughput: the same framed bytes through a one-way Pipe, three ways.
struct Sizes {
  bool duplex;  // Pipe() (a socket pair) or Pipe(false) (a pipe)
  std::size_t size;
  int count;
};

// The floor: a prebuilt frame (header and payload in one buffer) out with write_all(), in with two
// read_full() calls into a buffer that is reused. No allocation, no checks, no signal mask.
double raw_seconds(const Sizes& run) {
  auto [reader, writer] = Pipe(run.duplex);
  const auto header_bytes = encode_header(run.size);
  std::vector<std::byte> frame(header_bytes.view().begin(), header_bytes.view().end());
  frame.resize(frame.size() + run.size, std::byte{'r'});
  threadlings::Stopwatch watch;
  std::jthread sender([&] {
    for (int i = 0; i < run.count; ++i) threadlings::write_all(writer.fileno(), frame);
  });
  std::array<std::byte, 4> header{};
  std::vector<std::byte> payload(run.size);
  for (int i = 0; i < run.count; ++i) {
    (void)threadlings::read_full(reader.fileno(), header);
    (void)threadlings::read_full(reader.fileno(), payload);
  }
  sender.join();
  return watch.elapsed_seconds();
}

// The lesson's Connection: send_bytes(), and recv_bytes() (a new vector per message) or
// recv_bytes_into() (one vector, reused).
double connection_seconds(const Sizes& run, bool reuse) {
  auto [reader, writer] = Pipe(run.duplex);
  const std::vector<std::byte> payload(run.size, std::byte{'c'});
  threadlings::Stopwatch watch;
  std::jthread sender([&] {
    for (int i = 0; i < run.count; ++i) writer.send_bytes(payload);
  });
  std::vector<std::byte> buffer;
  for (int i = 0; i < run.count; ++i) {
    if (reuse) {
      reader.recv_bytes_into(buffer);
    } else {
      (void)reader.recv_bytes();
    }
  }
  sender.join();
  return watch.elapsed_seconds();
}

// CPython's Connection, the same shape: a sending thread, the main thread receiving, one-way Pipe.
constexpr std::string_view kPythonThroughput = R"(
import sys, threading, time
from multiprocessing import Pipe
def run(duplex, size, count):
    reader, writer = Pipe(duplex=duplex)
    payload = bytes(size)
    def send():
        for _ in range(count):
            writer.send_bytes(payload)
    sender = threading.Thread(target=send)
    start = time.perf_counter()
    sender.start()
    for _ in range(count):
        reader.recv_bytes()
    sender.join()
    return time.perf_counter() - start
for argument in sys.argv[1:]:
    duplex, size, count = map(int, argument.split(":"))
    print(size, count, min(run(bool(duplex), size, count) for _ in range(3)), flush=True)
)";

// Runs the script above with python3 from PATH; returns its stdout, or nothing when there is no python3.
std::optional<std::string> run_python(const std::vector<Sizes>& runs) {
  std::vector<std::string> arguments;
  for (const Sizes& run : runs) {
    arguments.push_back(std::to_string(int{run.duplex}) + ":" + std::to_string(run.size) + ":" + std::to_string(run.count));
  }
  return threadlings::run_python(kPythonThroughput, arguments).output;
}

std::string size_name(std::size_t size) {
  if (size >= 1024 * 1024) return std::to_string(size / (1024 * 1024)) + " MiB";
  if (size >= 1024) return std::to_string(size / 1024) + " KiB";
  return std::to_string(size) + " B";
}

void throughput(bool quick) {
  std::cout << "5. Throughput: a sending thread, the main thread receiving, the same framed bytes three ways.\n"
               "   ratio = raw time / Connection time; C++/CPython compares recv_bytes_into with CPython's recv_bytes.\n";
  std::vector<Sizes> runs;
  for (const bool duplex : {true, false}) {
    if (quick) {
      runs.insert(runs.end(), {{duplex, 64, 500}, {duplex, 64 * 1024, 32}, {duplex, 1024 * 1024, 4}});
    } else {
      runs.insert(runs.end(), {{duplex, 64, 10'000}, {duplex, 64 * 1024, 2000}, {duplex, 1024 * 1024, 128}});
    }
  }
  // CPython is slower per message: fewer messages keep its run short (the rate does not depend on it).
  std::vector<Sizes> python_runs = runs;
  for (Sizes& run : python_runs) run.count = std::max(4, run.count / 2);
  // Skipped under --quick: starting python3 (through a pyenv shim, say) can take longer than a second.
  const auto python_output = quick ? std::nullopt : run_python(python_runs);
  std::istringstream python_lines(python_output.value_or(""));

  for (const Sizes& run : runs) {
    if (run.size == runs.front().size) {
      std::cout << (run.duplex ? "  Pipe(): a socket pair, Python's default; MSG_NOSIGNAL keeps SIGPIPE away for free\n"
                               : "  Pipe(false): a pipe; blocking SIGPIPE costs two more system calls per message\n")
                << "  message   raw write/read   recv_bytes  ratio   recv_bytes_into  ratio    CPython   C++/CPython\n";
    }
    // The three C++ ways take turns, five rounds, and each keeps its best: a load spike from another
    // program then hurts a round of each, not one way's whole measurement.
    double raw = 1e300;
    double fresh = 1e300;
    double reused = 1e300;
    for (int round = 0; round < 5; ++round) {
      raw = std::min(raw, raw_seconds(run));
      fresh = std::min(fresh, connection_seconds(run, false));
      reused = std::min(reused, connection_seconds(run, true));
    }
    const double bytes = static_cast<double>(run.size) * run.count;
    std::ostringstream line;
    line << std::fixed << std::setprecision(0) << "  " << std::left << std::setw(8) << size_name(run.size)
         << std::right << std::setw(9) << bytes / raw / 1e6 << " MB/s" << std::setw(8) << bytes / fresh / 1e6
         << " MB/s" << std::setprecision(2) << std::setw(6) << raw / fresh << "x" << std::setprecision(0)
         << std::setw(12) << bytes / reused / 1e6 << " MB/s" << std::setprecision(2) << std::setw(6)
         << raw / reused << "x";
    std::size_t size = 0;
    int count = 0;
    double seconds = 0;
    if (python_lines >> size >> count >> seconds && seconds > 0) {
      const double python = static_cast<double>(size) * count / seconds / 1e6;
      line << std::setprecision(0) << std::setw(6) << python << " MB/s" << std::setprecision(1) << std::setw(9)
           << (bytes / reused / 1e6) / python << "x";
    }
    std::cout << line.str() << '\n';
  }
  if (quick) {
    std::cout << "  (CPython column skipped under --quick: starting python3 alone may take longer than the quick run)\n";
  } else if (!python_output) {
    std::cout << "  (CPython column skipped: no python3 on PATH, or it failed; the course itself does not need it)\n";
  }
  std::cout << "  Look at: on the socket pair the ratios are near 1 from 64 KiB up: framing costs one sendmsg and one\n"
               "  extra read per message, nothing per byte; recv_bytes also pays for a new zero-filled vector.\n"
               "  On the pipe, the two sigprocmask calls around each writev show wherever system calls are dear.\n"
               "  At 64 B the cost per message (system calls, wake-ups) is all there is, for raw and Connection\n"
               "  alike. CPython adds an interpreter round trip per message.\n";
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(
      argc, argv, "Lesson 07: multiprocessing.Pipe and Connection in C++: framing, EOF, deadlock, throughput.",
      [](const threadlings::DemoOptions& options) {
        threadlings::TraceRecorder trace;
        trace.name_thread("main");
        parent_and_child();  // first: fork() before this process has any other thread
        wire_format();
        deadlock(trace, options.quick);
        several_writers(options.quick);
        throughput(options.quick);
        threadlings::save_trace(options, trace);
        return 0;
      });
}
