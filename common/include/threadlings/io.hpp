#pragma once
/// @file
/// Whole-buffer reads and writes on file descriptors, retried on EINTR and partial transfers.

#include <cstddef>
#include <span>

namespace threadlings {

/// Writes all of `bytes` to `fd`, looping over partial writes and retrying EINTR.
/// Blocks: as write(2) does on a blocking descriptor.
/// Throws std::system_error on any other error (EPIPE when the reader is gone: the caller must have
/// SIGPIPE ignored or blocked, or the process dies before it can see the error).
void write_all(int fd, std::span<const std::byte> bytes);

/// Reads until `buffer` is full or end of file; returns how many bytes were read (less than
/// buffer.size() only at end of file). Retries EINTR. Throws std::system_error on errors.
[[nodiscard]] std::size_t read_full(int fd, std::span<std::byte> buffer);

}  // namespace threadlings
