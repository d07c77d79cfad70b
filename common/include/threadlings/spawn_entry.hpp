#pragma once
/// @file
/// The child's side of the "spawn" start method (lesson 06): named entry points, and the dispatch a
/// program's main() runs first so that a fresh copy of the program can run one of them.
///
/// Python's spawn starts a new interpreter with `-c "from multiprocessing.spawn import spawn_main;
/// spawn_main(pipe_handle=N)" --multiprocessing-fork`; spawn_main reads the pickled target and its
/// arguments from descriptor N and runs it. Here the fresh program is this executable, started again
/// (`/proc/self/exe`) with this command line:
///
///     argv[0]  argv[1]                argv[2]   argv[3]
///     PROGRAM  --threadlings-spawn    ENTRY     FD
///
/// - ENTRY is the name an entry point was registered under (THREADLINGS_SPAWN_ENTRY). A new program
///   has none of its parent's memory, so a lambda or its captures can not cross; a name can, which is
///   why Python insists that a spawn target be importable.
/// - FD is the decimal number of a descriptor open in the child (not close-on-exec) from which the
///   child reads the entry's argument bytes until end of file. The parent writes the bytes, then closes
///   its end. The bytes are passed on as they are: any length, NUL bytes included.
///
/// The parent's side (building this command line and the descriptor, posix_spawn, writing the bytes,
/// reaping the child) is lesson 06's exercise; this file is the provided half, like CPython's
/// multiprocessing.spawn.spawn_main.
///
/// ```cpp
/// void compute_prime(std::string_view args) { ... }   // a plain function: no captures
/// THREADLINGS_SPAWN_ENTRY(compute_prime);              // registered as "compute_prime"
///
/// int main(int argc, char** argv) {
///   threadlings::run_spawned_child_if_requested(argc, argv);  // first: a spawned child ends in here
///   ...                                                         // the parent's program
/// }
/// ```
/// threadlings::run_demo and the shared test main already make that call.

#include <string>
#include <string_view>

namespace threadlings {

/// The argv[1] that marks a spawned child.
inline constexpr std::string_view kSpawnFlag = "--threadlings-spawn";

/// The exit status of a spawned child whose command line does not follow the protocol above (wrong
/// argument count, unreadable FD, unknown ENTRY). An entry that throws gives 1, as in Python.
inline constexpr int kSpawnProtocolErrorExitCode = 2;

/// A spawn entry point: a plain function that gets the argument bytes the parent sent. Its child
/// process ends with exit code 0 when it returns, 1 when it throws (what() is printed to stderr), N
/// when it calls `_exit(N)` itself.
using SpawnEntry = void (*)(std::string_view args);

/// Registers `entry` under `name` and returns true (so that it can initialize a static; see
/// THREADLINGS_SPAWN_ENTRY). Throws std::invalid_argument when `name` is empty, contains a NUL byte,
/// or is taken, or when `entry` is null.
/// @threadsafety Safe to call from any thread; normally runs during static initialization.
bool register_spawn_entry(std::string name, SpawnEntry entry);

/// The entry registered under `name`, or nullptr.
/// @threadsafety Safe to call from any thread.
[[nodiscard]] SpawnEntry find_spawn_entry(std::string_view name);

/// If argv[1] is kSpawnFlag, this process is a spawned child: reads the argument bytes from FD to end
/// of file, closes FD, runs ENTRY with them, flushes stdout and stderr, and ends the process with
/// `_exit` (0, 1 or its own code; kSpawnProtocolErrorExitCode for a malformed command line). It never
/// returns then. Otherwise it does nothing and returns at once.
///
/// Call it first in main(), before any thread starts and before anything else reads argv.
void run_spawned_child_if_requested(int argc, char** argv);

}  // namespace threadlings

/// Registers the function `function` (an unqualified name in scope) as the spawn entry "function".
/// Use it at namespace scope, in a source file linked into the program as an object file (in the file
/// with main(), or a test file): the linker drops an unreferenced object from a static library, and
/// its registration with it.
#define THREADLINGS_SPAWN_ENTRY(function)                                             \
  [[maybe_unused]] static const bool threadlings_spawn_entry_registered_##function = \
      ::threadlings::register_spawn_entry(#function, &(function))
