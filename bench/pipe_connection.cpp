// bench/pipe_connection.cpp: lesson 07's Connection over one-way pipes, against the same bytes moved
// with raw read()/write(): the same framing (CPython's 4-byte big-endian length, then the payload), a
// header and payload written with one system call, read as header then payload. What is left is
// the Connection's own work: checks, the SIGPIPE mask it sets around each write to a pipe, and the
// exceptions it is ready to throw.
//   round_trip_64B: a 64-byte message to an echo thread and back, time per round trip;
//   stream_4KiB:    a thread sends 4 KiB messages, the benchmark thread receives them, time per message.
//
//   build/bench/bench/pipe_connection [--benchmark_out=c.json --benchmark_out_format=json]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "07_pipes/connection.hpp"  // solutions/, through the lesson library
#include "bench.hpp"
#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::UniqueFd;
using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson07::Connection;
using threadlings::lesson07::EOFError;
using threadlings::lesson07::Pipe;

constexpr std::size_t kSmall = 64;
constexpr std::size_t kLarge = 4096;
constexpr std::int64_t kStreamMessages = 2048;  // per iteration: 8 MiB of payload

// Puts a whole message into `message` as it goes on the wire: CPython's 4-byte big-endian length,
// then the payload.
void frame_into(std::vector<std::byte>& message, std::span<const std::byte> payload) {
  message.resize(4 + payload.size());
  const auto length = static_cast<std::uint32_t>(payload.size());
  for (std::size_t i = 0; i < 4; ++i) message[i] = static_cast<std::byte>((length >> (8 * (3 - i))) & 0xffU);
  std::copy(payload.begin(), payload.end(), message.begin() + 4);
}

std::vector<std::byte> framed(std::size_t payload_size) {
  std::vector<std::byte> message;
  frame_into(message, std::vector<std::byte>(payload_size, std::byte{0x5a}));
  return message;
}

// Reads one framed message into `payload` with raw read()s (header, then payload); false at end of file.
bool raw_receive(int fd, std::vector<std::byte>& payload) {
  std::byte header[4];
  if (threadlings::read_full(fd, header) < sizeof header) return false;
  std::uint32_t length = 0;
  for (const std::byte b : header) length = (length << 8) | static_cast<std::uint32_t>(b);
  payload.resize(length);
  return threadlings::read_full(fd, payload) == length;
}

void round_trip(Role role) {
  const Options options{.min_time_seconds = 0.3, .unit = benchmark::kMicrosecond};
  if (role == Role::ours) {
    threadlings::bench::add("round_trip_64B", Role::ours, "lesson07::Connection", options, [](benchmark::State& state) {
      auto [request_in, request_out] = Pipe(false);  // (read end, write end), as Python's Pipe(duplex=False)
      auto [reply_in, reply_out] = Pipe(false);
      std::jthread echo([&request_in, &reply_out] {
        std::vector<std::byte> buffer;
        try {
          for (;;) {
            request_in.recv_bytes_into(buffer);
            reply_out.send_bytes(buffer);
          }
        } catch (const EOFError&) {
          // the benchmark closed its end: done
        }
      });
      const std::vector<std::byte> message(kSmall, std::byte{0x5a});
      std::vector<std::byte> reply;
      for (auto _ : state) {
        request_out.send_bytes(message);
        reply_in.recv_bytes_into(reply);
      }
      request_out.close();  // the echo thread's recv sees end of file and ends
    });
    return;
  }
  threadlings::bench::add("round_trip_64B", Role::peer, "raw read()+write()", options, [](benchmark::State& state) {
    threadlings::Pipe request = threadlings::make_pipe();
    threadlings::Pipe reply = threadlings::make_pipe();
    std::jthread echo([&request, &reply] {
      std::vector<std::byte> payload;
      std::vector<std::byte> message;
      while (raw_receive(request.read_end.get(), payload)) {
        frame_into(message, payload);  // one write() for header and payload, as Connection's writev()
        threadlings::write_all(reply.write_end.get(), message);
      }
    });
    const std::vector<std::byte> message = framed(kSmall);
    std::vector<std::byte> payload;
    for (auto _ : state) {
      threadlings::write_all(request.write_end.get(), message);
      raw_receive(reply.read_end.get(), payload);
    }
    request.write_end.reset();  // the echo thread's read sees end of file and ends
  });
}

void stream(Role role) {
  const Options options{.min_time_seconds = 0.3, .unit = benchmark::kMillisecond, .ops_per_iteration = kStreamMessages};
  if (role == Role::ours) {
    threadlings::bench::add("stream_4KiB", Role::ours, "lesson07::Connection", options, [](benchmark::State& state) {
      auto [in, out] = Pipe(false);
      const std::vector<std::byte> message(kLarge, std::byte{0x5a});
      std::vector<std::byte> buffer;
      for (auto _ : state) {
        std::jthread sender([&out, &message] {
          for (std::int64_t i = 0; i < kStreamMessages; ++i) out.send_bytes(message);
        });
        for (std::int64_t i = 0; i < kStreamMessages; ++i) in.recv_bytes_into(buffer);
      }
    });
    return;
  }
  threadlings::bench::add("stream_4KiB", Role::peer, "raw read()+write()", options, [](benchmark::State& state) {
    threadlings::Pipe pipe = threadlings::make_pipe();
    const std::vector<std::byte> message = framed(kLarge);
    std::vector<std::byte> payload;
    for (auto _ : state) {
      std::jthread sender([&pipe, &message] {
        for (std::int64_t i = 0; i < kStreamMessages; ++i) threadlings::write_all(pipe.write_end.get(), message);
      });
      for (std::int64_t i = 0; i < kStreamMessages; ++i) raw_receive(pipe.read_end.get(), payload);
    }
  });
}

void register_benchmarks() {
  threadlings::bench::describe("round_trip_64B",
                               "a 64-byte message to an echo thread and back over two pipes; time per round trip");
  threadlings::bench::describe("stream_4KiB",
                               "a thread sends 2048 messages of 4 KiB over a pipe, this one receives them; time per message");
  round_trip(Role::ours);
  round_trip(Role::peer);
  stream(Role::ours);
  stream(Role::peer);
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "pipe_connection: lesson 07's Connection against raw read()/write() of the same "
                                      "framing");
}
