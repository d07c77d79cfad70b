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

#include "threadlings/not_implemented.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings::lesson09 {

// TODO: throw InvalidNameError("invalid shared memory name '<name>': <problem>") unless the
// name starts with '/', has 1 to kMaxNameLength characters after it, none of them '/' or '\0', and is
// not "/." or "/..".
void check_segment_name(std::string_view name) { throw NotImplemented("check_segment_name — see lesson 09"); }

SharedMemory::SharedMemory(std::string name, std::byte* data, std::size_t size) noexcept
    : name_(std::move(name)), data_(data), size_(size) {}

// TODO: check the name and the size (0 is std::invalid_argument). shm_open(name,
// O_CREAT | O_EXCL | O_RDWR, 0600) into a UniqueFd: EEXIST is FileExistsError naming the segment.
// Then ftruncate to `size` and mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0). If either
// fails, shm_unlink the name before throwing: nothing may be left behind. The descriptor is not needed
// once the memory is mapped.
SharedMemory SharedMemory::create(const std::string& name, std::size_t size) {
  throw NotImplemented("SharedMemory::create — see lesson 09");
}

// TODO: check the name; shm_open(name, O_RDWR, 0): ENOENT is FileNotFoundError naming the
// segment. The size is the segment's: fstat(fd, &info), info.st_size (0 is a SharedMemoryError). Map it
// as create() does.
SharedMemory SharedMemory::attach(const std::string& name) { throw NotImplemented("SharedMemory::attach — see lesson 09"); }

// TODO: close(); never unlink here (Python does not either).
SharedMemory::~SharedMemory() = default;

// TODO: take over other's name, mapping and size; other ends closed, with an empty name.
SharedMemory::SharedMemory(SharedMemory&& other) noexcept {}

// TODO: close() this one, then take over other's as the move constructor does.
SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept { return *this; }

// TODO: the mapped bytes; std::logic_error when closed.
std::span<std::byte> SharedMemory::buf() const { throw NotImplemented("SharedMemory::buf — see lesson 09"); }

// TODO: munmap the view, once.
void SharedMemory::close() noexcept {}

// TODO: shm_unlink(name): ENOENT is FileNotFoundError, other errors std::system_error.
void SharedMemory::unlink() { throw NotImplemented("SharedMemory::unlink — see lesson 09"); }

OwnedSharedMemory::OwnedSharedMemory(const std::string& name, std::size_t size)
    : segment_(SharedMemory::create(name, size)) {}

// TODO: close the view and shm_unlink the name, ignoring ENOENT (someone unlinked it already).
OwnedSharedMemory::~OwnedSharedMemory() = default;

}  // namespace threadlings::lesson09
