// bench/pipe_batching.cpp: what one system call per message costs on a pipe. 64-byte messages, framed
// as CPython frames them (4-byte length + payload = 68 bytes), go through a pipe to a reader thread
// that drains it with large read()s:
//   ours: one write per message, the way lesson 07's Connection sends (and a raw write() per message);
//   peer: the batched-write limit: as many whole messages per write() as fit in PIPE_BUF (4096 bytes
//         on Linux: 60 messages), the largest write POSIX guarantees is never interleaved with
//         another writer's.
// One iteration: 15 000 messages (1 MB); time per message. The ratio is the price of not batching.
//
//   build/bench/bench/pipe_batching [--benchmark_out=b.json --benchmark_out_format=json]
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "07_pipes/connection.hpp"  // solutions/, through the lesson library
#include "bench.hpp"
#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::bench::Options;
using threadlings::bench::Role;
using threadlings::lesson07::Pipe;

constexpr std::size_t kPayload = 64;
constexpr std::size_t kFramed = 4 + kPayload;
constexpr std::size_t kPerBatch = PIPE_BUF / kFramed;          // whole messages per atomic write
constexpr std::int64_t kMessages = 250 * std::int64_t{kPerBatch};  // per iteration (15 000 on Linux)
constexpr const char* kComparison = "pipe_64B_messages";

static_assert(kPerBatch >= 1, "PIPE_BUF holds at least one message");

// The 68 bytes of one message on the wire: big-endian length 64, then the payload.
std::array<std::byte, kFramed> framed_message() {
  std::array<std::byte, kFramed> message{};
  message.fill(std::byte{0x5a});
  message[0] = message[1] = message[2] = std::byte{0};
  message[3] = static_cast<std::byte>(kPayload);
  return message;
}

// Reads from `fd` with large read()s until `bytes` have arrived (or end of file).
void drain(int fd, std::size_t bytes) {
  std::vector<std::byte> buffer(64 * 1024);
  while (bytes > 0) {
    const ssize_t got = ::read(fd, buffer.data(), std::min(buffer.size(), bytes));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    bytes -= static_cast<std::size_t>(got);
  }
}

constexpr std::size_t kBytesPerIteration = static_cast<std::size_t>(kMessages) * kFramed;

void register_benchmarks() {
  threadlings::bench::describe(kComparison,
                               "15 000 messages of 64 bytes (68 framed) through a pipe to a reader thread; time per message");
  const Options options{.min_time_seconds = 0.3, .unit = benchmark::kMillisecond, .ops_per_iteration = kMessages};

  threadlings::bench::add(kComparison, Role::ours, "lesson07::Connection::send_bytes, 1 per message", options,
                          [](benchmark::State& state) {
                            auto [in, out] = Pipe(false);
                            const std::vector<std::byte> payload(kPayload, std::byte{0x5a});
                            for (auto _ : state) {
                              std::jthread reader([&in] { drain(in.fileno(), kBytesPerIteration); });
                              for (std::int64_t i = 0; i < kMessages; ++i) out.send_bytes(payload);
                            }
                          });
  threadlings::bench::add(kComparison, Role::ours, "write(), 1 per message", options, [](benchmark::State& state) {
    threadlings::Pipe pipe = threadlings::make_pipe();
    const auto message = framed_message();
    for (auto _ : state) {
      std::jthread reader([&pipe] { drain(pipe.read_end.get(), kBytesPerIteration); });
      for (std::int64_t i = 0; i < kMessages; ++i) threadlings::write_all(pipe.write_end.get(), message);
    }
  });
  threadlings::bench::add(kComparison, Role::peer, "write(), batched up to PIPE_BUF", options, [](benchmark::State& state) {
    threadlings::Pipe pipe = threadlings::make_pipe();
    const auto message = framed_message();
    std::vector<std::byte> batch;
    for (std::size_t i = 0; i < kPerBatch; ++i) batch.insert(batch.end(), message.begin(), message.end());
    for (auto _ : state) {
      std::jthread reader([&pipe] { drain(pipe.read_end.get(), kBytesPerIteration); });
      for (std::int64_t sent = 0; sent < kMessages; sent += std::int64_t{kPerBatch}) {
        threadlings::write_all(pipe.write_end.get(), batch);
      }
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  return threadlings::bench::run_main(argc, argv,
                                      "pipe_batching: 64-byte messages through a pipe, one write per message against "
                                      "writes batched up to PIPE_BUF");
}
