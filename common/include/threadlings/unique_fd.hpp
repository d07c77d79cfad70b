#pragma once
/// @file
/// RAII ownership of POSIX file descriptors, and pipes created with them.

#include <utility>

namespace threadlings {

/// Owns one file descriptor and closes it exactly once.
///
/// Move-only: moving transfers ownership and leaves the source empty (get() == -1).
/// close() is not retried on EINTR: on Linux the descriptor is released even when close() is
/// interrupted, and a retry could close a descriptor another thread has just opened.
///
/// @threadsafety Like an int: distinct objects may be used from distinct threads; one object must
/// not be reset or moved from while another thread uses it.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  /// Takes ownership of `fd` (-1 means "none").
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  /// The descriptor, still owned by this object; -1 when empty.
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }

  /// Gives up ownership without closing; returns the descriptor (or -1).
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the owned descriptor, if any, and takes ownership of `fd`.
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

/// Both ends of a pipe: bytes written to `write_end` are read from `read_end`.
struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

/// Creates a pipe whose ends are close-on-exec (so a spawned program does not inherit them by accident).
/// Throws std::system_error when pipe2() fails (for example EMFILE: too many open files).
[[nodiscard]] Pipe make_pipe();

}  // namespace threadlings
