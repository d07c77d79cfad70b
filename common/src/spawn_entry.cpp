#include "threadlings/spawn_entry.hpp"

#include <charconv>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <unistd.h>

#include "threadlings/io.hpp"
#include "threadlings/unique_fd.hpp"

namespace threadlings {
namespace {

// Function-local statics: registrations run during static initialization, in an order across files
// that nobody controls, so the registry must exist before its first use, whenever that is.
std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::string, SpawnEntry, std::less<>>& registry() {
  static std::map<std::string, SpawnEntry, std::less<>> entries;
  return entries;
}

// Leaves the spawned child: its own output is flushed (a fresh program inherited no buffered bytes
// from anyone), and _exit skips the program's static destructors and atexit handlers, which belong to
// a main() that never ran.
[[noreturn]] void leave(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(code);
}

[[noreturn]] void protocol_error(const std::string& what) {
  std::cerr << "threadlings: spawned child (pid " << ::getpid() << "): " << what << '\n';
  leave(kSpawnProtocolErrorExitCode);
}

// Reads from `fd` until end of file: the parent closes its end once every argument byte is written.
std::string read_to_end(int fd) {
  std::string bytes;
  std::byte chunk[16384];
  for (;;) {
    const std::size_t got = read_full(fd, chunk);
    bytes.append(reinterpret_cast<const char*>(chunk), got);
    if (got < sizeof chunk) return bytes;  // read_full stops short only at end of file
  }
}

}  // namespace

bool register_spawn_entry(std::string name, SpawnEntry entry) {
  if (name.empty() || name.find('\0') != std::string::npos) {
    throw std::invalid_argument("register_spawn_entry: a spawn entry needs a non-empty name without NUL bytes");
  }
  if (entry == nullptr) throw std::invalid_argument("register_spawn_entry: entry '" + name + "' is null");
  const std::scoped_lock lock(registry_mutex());
  if (!registry().emplace(name, entry).second) {
    throw std::invalid_argument("register_spawn_entry: the name '" + name + "' is already registered");
  }
  return true;
}

SpawnEntry find_spawn_entry(std::string_view name) {
  const std::scoped_lock lock(registry_mutex());
  const auto found = registry().find(name);
  return found == registry().end() ? nullptr : found->second;
}

void run_spawned_child_if_requested(int argc, char** argv) {
  if (argc < 2 || argv[1] != kSpawnFlag) return;  // an ordinary start of the program
  if (argc != 4) protocol_error("expected: PROGRAM " + std::string(kSpawnFlag) + " ENTRY FD");
  const std::string_view entry_name = argv[2];
  const std::string_view fd_text = argv[3];
  int fd = -1;
  const auto [end, error] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
  if (error != std::errc() || end != fd_text.data() + fd_text.size() || fd < 0) {
    protocol_error("FD '" + std::string(fd_text) + "' is not a descriptor number");
  }
  std::string args;
  try {
    const UniqueFd source(fd);  // the child owns the descriptor now: closed after reading
    args = read_to_end(source.get());
  } catch (const std::exception& failure) {
    protocol_error("reading the arguments from descriptor " + std::string(fd_text) + ": " + failure.what());
  }
  const SpawnEntry entry = find_spawn_entry(entry_name);
  if (entry == nullptr) {
    protocol_error("no spawn entry is registered as '" + std::string(entry_name) +
                   "' (THREADLINGS_SPAWN_ENTRY in a file linked into this program)");
  }
  int code = 0;
  try {
    entry(args);
  } catch (const std::exception& failure) {
    std::cerr << "Exception in spawned process " << entry_name << " (pid " << ::getpid() << "): " << failure.what() << '\n';
    code = 1;
  } catch (...) {
    std::cerr << "Exception in spawned process " << entry_name << " (pid " << ::getpid() << "): unknown exception\n";
    code = 1;
  }
  leave(code);
}

}  // namespace threadlings
