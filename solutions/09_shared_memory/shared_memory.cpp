// Lesson 09, shared memory: make SharedMemory and OwnedSharedMemory pass the tests in tests/09_shared_memory/.
// Concept: multiprocessing.shared_memory.SharedMemory: a named block any process can attach to.
// Check: ./threadlings check 09    (or ctest --preset student -L lesson09)
#include "shared_memory.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson09 {

namespace {

[[noreturn]] void bad_name(std::string_view name, const std::string& problem) {
  throw InvalidNameError("invalid shared memory name '" + std::string(name) + "': " + problem);
}

// Maps all of `fd` read-write and shared; the descriptor is not needed afterwards.
std::byte* map_whole(int fd, std::size_t size, const std::string& what) {
  // MAP_SHARED: writes go to the segment, where every other view sees them.
  void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) throw std::system_error(errno, std::generic_category(), what + ": mmap");
  return static_cast<std::byte*>(data);
}

}  // namespace

void check_segment_name(std::string_view name) {
  if (name.empty() || name.front() != '/') bad_name(name, "it must start with '/'");
  const std::string_view rest = name.substr(1);
  if (rest.empty()) bad_name(name, "it needs at least one character after the '/'");
  if (rest.find('/') != std::string_view::npos) bad_name(name, "only the first character may be '/'");
  if (rest.find('\0') != std::string_view::npos) bad_name(name, "it contains a NUL character");
  if (rest == "." || rest == "..") bad_name(name, "'.' and '..' are not names");
  if (rest.size() > kMaxNameLength) {
    bad_name(name.substr(0, 20), "longer than " + std::to_string(kMaxNameLength) + " characters after the '/'");
  }
}

SharedMemory::SharedMemory(std::string name, std::byte* data, std::size_t size) noexcept
    : name_(std::move(name)), data_(data), size_(size) {}

SharedMemory SharedMemory::create(const std::string& name, std::size_t size) {
  check_segment_name(name);
  if (size == 0) throw std::invalid_argument("SharedMemory::create('" + name + "'): size must be positive");
  // O_EXCL: fail if the name exists, rather than silently sharing (and resizing) someone else's segment.
  // Mode 0600: only this user may attach, as in Python. shm_open sets close-on-exec by itself.
  UniqueFd fd(::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600));
  if (!fd) {
    const int error = errno;
    if (error == EEXIST) throw FileExistsError("SharedMemory::create: '" + name + "' already exists");
    throw std::system_error(error, std::generic_category(), "SharedMemory::create('" + name + "'): shm_open");
  }
  try {
    while (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "SharedMemory::create('" + name + "'): ftruncate");
    }
    return SharedMemory(name, map_whole(fd.get(), size, "SharedMemory::create('" + name + "')"), size);
  } catch (...) {
    ::shm_unlink(name.c_str());  // we made it, and it is no use to anyone: leave nothing behind
    throw;
  }
}

SharedMemory SharedMemory::attach(const std::string& name) {
  check_segment_name(name);
  UniqueFd fd(::shm_open(name.c_str(), O_RDWR, 0));
  if (!fd) {
    const int error = errno;
    if (error == ENOENT) throw FileNotFoundError("SharedMemory::attach: no shared memory segment named '" + name + "'");
    throw std::system_error(error, std::generic_category(), "SharedMemory::attach('" + name + "'): shm_open");
  }
  // The creator chose the size; the segment (a file in /dev/shm) knows it.
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    throw std::system_error(errno, std::generic_category(), "SharedMemory::attach('" + name + "'): fstat");
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size == 0) throw SharedMemoryError("SharedMemory::attach: '" + name + "' is empty (its creator has not sized it)");
  return SharedMemory(name, map_whole(fd.get(), size, "SharedMemory::attach('" + name + "')"), size);
}

SharedMemory::~SharedMemory() { close(); }  // like Python: close, never unlink

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : name_(std::move(other.name_)), data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {
  other.name_.clear();
}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    close();
    name_ = std::move(other.name_);
    other.name_.clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

std::span<std::byte> SharedMemory::buf() const {
  if (data_ == nullptr) throw std::logic_error("SharedMemory::buf: '" + name_ + "' is closed");
  return {data_, size_};
}

void SharedMemory::close() noexcept {
  if (data_ == nullptr) return;
  ::munmap(data_, size_);
  data_ = nullptr;
}

void SharedMemory::unlink() {
  if (name_.empty()) throw std::logic_error("SharedMemory::unlink: this object has no name (moved from)");
  if (::shm_unlink(name_.c_str()) != 0) {
    const int error = errno;
    if (error == ENOENT) throw FileNotFoundError("SharedMemory::unlink: '" + name_ + "' is already unlinked");
    throw std::system_error(error, std::generic_category(), "SharedMemory::unlink('" + name_ + "')");
  }
}

OwnedSharedMemory::OwnedSharedMemory(const std::string& name, std::size_t size)
    : segment_(SharedMemory::create(name, size)) {}

OwnedSharedMemory::~OwnedSharedMemory() {
  segment_.close();
  if (!segment_.name().empty()) ::shm_unlink(segment_.name().c_str());  // ENOENT: unlinked already, fine
}

}  // namespace threadlings::lesson09
