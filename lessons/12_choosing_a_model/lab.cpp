// Lesson 12 lab: the seeds' experiment, measured. Three workloads (CPU-bound, I/O-bound, a mixed
// pipeline) run in every model of the course (serial, threads, threads under a GIL, processes, a
// process pool, the event loop, the loop handing work to threads) and each run is timed against the
// serial one and against what this machine could do at best. With python3 present, CPython runs the
// seeds' own experiment (threading against multiprocessing) for comparison.
//
// The models are your own code: lesson 12's run_in_threads, run_in_processes and fetch_all, lesson
// 05's Gil, lesson 10's Pool and lesson 11's event loop. A model whose lesson is unfinished says so in
// its row, and the others still run.
//
//   build/student/demos/exercise/12_choosing_a_model/lab [--quick] [--trace DIR/lab.json]
//
// --trace writes, beside the file named, one Chrome trace per run (lab-<workload>-<model>.json, open
// it in https://ui.perfetto.dev) and its timeline picture (lab-<workload>-<model>.svg).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "allow_threads.hpp"
#include "awaitables.hpp"
#include "event_loop.hpp"
#include "fetch_all.hpp"
#include "gather.hpp"
#include "gil.hpp"
#include "layout.hpp"
#include "parallel.hpp"
#include "process_pool.hpp"
#include "svg_writer.hpp"
#include "task.hpp"
#include "threadlings/demo.hpp"
#include "threadlings/not_implemented.hpp"
#include "threadlings/python_runner.hpp"
#include "threadlings/stopwatch.hpp"
#include "threadlings/timer_fd.hpp"
#include "threadlings/trace_recorder.hpp"
#include "threadlings/unique_fd.hpp"
#include "trace_events.hpp"
#include "work_shares.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::TraceRecorder;
using threadlings::lesson12::Block;
using threadlings::lesson12::count_primes;
using threadlings::lesson12::is_prime;
using threadlings::lesson12::work_share;
namespace loop = threadlings::lesson11;

// ---------------------------------------------------------------------------------------------------
// The work: the same few functions in every model, so that the models are all that differs.

// The sizes of one lab run.
struct Sizes {
  std::uint64_t prime_limit;        // CPU-bound: count the primes up to this
  int requests;                     // I/O-bound and mixed: this many requests
  std::chrono::milliseconds reply;  // each request's reply arrives after this long
  std::uint64_t item_numbers;       // mixed: each reply is then processed by counting primes in a block this long
};

constexpr Sizes kFull{3'000'000, 16, 50ms, 40'000};
constexpr Sizes kQuick{30'000, 6, 2ms, 2'000};

// The block a mixed item counts primes in: all blocks of the same size at the same height, so that
// every item costs about the same.
Block item_block(int item, std::uint64_t numbers) {
  const std::uint64_t begin = 5'000'000 + static_cast<std::uint64_t>(item) * numbers;
  return Block{begin, begin + numbers};
}

// A request whose reply arrives after a delay: threadlings::readable_after() gives a timerfd, a real
// descriptor that becomes readable then, standing in for a socket. Blocking code waits for it in
// read() (wait_for_expiry); the event loop waits for readiness with epoll.
using threadlings::readable_after;
using threadlings::wait_for_expiry;

// A blocking fetch: send, then wait in read() for the reply.
void fetch(std::chrono::milliseconds delay) { wait_for_expiry(readable_after(delay).get()); }

// ---------------------------------------------------------------------------------------------------
// One run: a workload in a model, timed, traced, and drawn.

enum class Workload { kCpu, kIo, kMixed };

const char* slug(Workload workload) {
  switch (workload) {
    case Workload::kCpu: return "cpu";
    case Workload::kIo: return "io";
    case Workload::kMixed: return "mixed";
  }
  return "?";
}

// A workload's name in a picture's title (the subtitle and the table say the sizes).
const char* title_of(Workload workload) {
  switch (workload) {
    case Workload::kCpu: return "CPU-bound work";
    case Workload::kIo: return "I/O-bound work";
    case Workload::kMixed: return "mixed I/O and CPU work";
  }
  return "?";
}

// What a model's run needs: the sizes, the cores to use, and the trace to record into.
struct Run {
  const Sizes& sizes;
  unsigned cores;
  TraceRecorder& trace;
  // Where forked children save their part of the trace (empty: not tracing).
  std::filesystem::path child_trace_dir;
};

// A child process's share of the trace: saved to a file of its own, merged by the parent afterwards.
void save_child_trace(const Run& run) {
  if (run.child_trace_dir.empty()) return;
  run.trace.save(run.child_trace_dir / ("child-" + std::to_string(::getpid()) + ".json"));
}

void merge_child_traces(const Run& run) {
  if (run.child_trace_dir.empty()) return;
  for (const auto& entry : std::filesystem::directory_iterator(run.child_trace_dir)) {
    run.trace.merge_events_from(entry.path());
    std::filesystem::remove(entry.path());
  }
}

// ---- serial ---------------------------------------------------------------------------------------

void serial(const Run& run, Workload workload) {
  run.trace.name_thread("main");
  if (workload == Workload::kCpu) {
    auto span = run.trace.span("count primes");
    (void)threadlings::lesson12::count_primes_up_to(run.sizes.prime_limit);
    return;
  }
  for (int item = 0; item < run.sizes.requests; ++item) {
    {
      auto span = run.trace.span("wait for reply", "io");
      fetch(run.sizes.reply);
    }
    if (workload == Workload::kMixed) {
      auto span = run.trace.span("count primes");
      (void)count_primes(item_block(item, run.sizes.item_numbers));
    }
  }
}

// ---- threads: lesson 12's run_in_threads and fetch_all ---------------------------------------------

std::uint64_t count_share(const Run& run, unsigned worker, unsigned workers) {
  auto span = run.trace.span("count primes");
  std::uint64_t count = 0;
  for (const Block block : work_share(run.sizes.prime_limit, worker, workers)) count += count_primes(block);
  return count;
}

void threads(const Run& run, Workload workload) {
  if (workload == Workload::kCpu) {
    (void)threadlings::lesson12::run_in_threads(run.cores, [&](unsigned worker) {
      run.trace.name_thread("worker " + std::to_string(worker));
      return count_share(run, worker, run.cores);
    });
    return;
  }
  std::vector<std::string> requests;
  for (int item = 0; item < run.sizes.requests; ++item) requests.push_back(std::to_string(item));
  // One thread per request may wait: waiting costs no CPU, so the pool is as large as the batch.
  (void)threadlings::lesson12::fetch_all(
      requests,
      [&](const std::string& request) {
        {
          auto span = run.trace.span("wait for reply", "io");
          fetch(run.sizes.reply);
        }
        if (workload == Workload::kMixed) {
          auto span = run.trace.span("count primes");
          (void)count_primes(item_block(std::stoi(request), run.sizes.item_numbers));
        }
        return request;
      },
      static_cast<unsigned>(run.sizes.requests));
}

// ---- threads under a GIL: lesson 05's Gil, held the way CPython's bytecode loop holds it -----------

// Counts the primes of `block` as a thread of an interpreter would: holding the GIL, and offering it
// up at every turn of the loop (the toy VM's back-edge check, lesson 05), so that only one thread
// computes at a time. Each stretch the thread holds the GIL is a span in the trace.
std::uint64_t count_under_gil(threadlings::GilInterface& gil, Block block, TraceRecorder& trace) {
  std::uint64_t count = 0;
  auto held_since = TraceRecorder::Clock::now();
  for (std::uint64_t n = block.begin; n < block.end; ++n) {
    count += is_prime(n) ? 1U : 0U;
    if (gil.drop_requested()) {
      trace.record("count primes (holds the GIL)", held_since, TraceRecorder::Clock::now());
      gil.drop();
      gil.take();
      held_since = TraceRecorder::Clock::now();
    }
  }
  trace.record("count primes (holds the GIL)", held_since, TraceRecorder::Clock::now());
  return count;
}

void gil_threads(const Run& run, Workload workload) {
  threadlings::lesson05::Gil gil;
  gil.take();  // an unfinished Gil says so here, on this thread, rather than in a worker
  gil.drop();
  const unsigned count = workload == Workload::kCpu ? run.cores : static_cast<unsigned>(run.sizes.requests);
  std::vector<std::exception_ptr> errors(count);
  {
    std::vector<std::jthread> workers;
    for (unsigned worker = 0; worker < count; ++worker) {
      workers.emplace_back([&run, &gil, &errors, workload, worker, count] {
        run.trace.name_thread("Python thread " + std::to_string(worker));
        try {
          gil.take();  // a Python thread starts by taking the GIL
          if (workload == Workload::kCpu) {
            for (const Block block : work_share(run.sizes.prime_limit, worker, count)) {
              (void)count_under_gil(gil, block, run.trace);
            }
          } else {
            {
              // time.sleep or socket.recv: the C code drops the GIL around the blocking call
              const threadlings::lesson05::AllowThreads released(gil);
              auto span = run.trace.span("wait for reply (GIL released)", "io");
              fetch(run.sizes.reply);
            }
            if (workload == Workload::kMixed) {
              (void)count_under_gil(gil, item_block(static_cast<int>(worker), run.sizes.item_numbers), run.trace);
            }
          }
          gil.drop();
        } catch (...) {
          errors[worker] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// ---- processes: lesson 12's run_in_processes -------------------------------------------------------

void processes(const Run& run, Workload workload) {
  if (workload == Workload::kCpu) {
    (void)threadlings::lesson12::run_in_processes(run.cores, [&](unsigned worker) {
      run.trace.name_process("process " + std::to_string(worker));
      const std::uint64_t count = count_share(run, worker, run.cores);
      save_child_trace(run);
      return count;
    });
  } else {
    (void)threadlings::lesson12::run_in_processes(static_cast<unsigned>(run.sizes.requests), [&](unsigned worker) {
      run.trace.name_process("process " + std::to_string(worker));
      {
        auto span = run.trace.span("wait for reply", "io");
        fetch(run.sizes.reply);
      }
      if (workload == Workload::kMixed) {
        auto span = run.trace.span("count primes");
        (void)count_primes(item_block(static_cast<int>(worker), run.sizes.item_numbers));
      }
      save_child_trace(run);
      return std::uint64_t{0};
    });
  }
  merge_child_traces(run);
}

// ---- a process pool: lesson 10's Pool (its workers are forked once, so they are not traced) --------

// What the pool's workers run: plain functions on plain values (lesson 10: bytes cross the boundary).
std::uint64_t pool_count_block(const Block& block) { return count_primes(block); }

struct Item {
  int index;
  std::int64_t reply_ms;
  std::uint64_t numbers;  // 0: only wait
};

std::uint64_t pool_fetch(const Item& item) {
  fetch(std::chrono::milliseconds(item.reply_ms));
  return item.numbers == 0 ? 0 : count_primes(item_block(item.index, item.numbers));
}

void process_pool(const Run& run, Workload workload) {
  auto span = run.trace.span("Pool(" + std::to_string(run.cores) + ").map, start to end");
  threadlings::lesson10::Pool pool(run.cores);  // `with Pool(cores) as pool:` starts inside the timing
  if (workload == Workload::kCpu) {
    // Every block, in order: the share of the only worker of one. The pool deals them out itself.
    (void)pool.map(pool_count_block, work_share(run.sizes.prime_limit, 0, 1));
    return;
  }
  std::vector<Item> items;
  for (int item = 0; item < run.sizes.requests; ++item) {
    items.push_back(Item{item, run.sizes.reply.count(), workload == Workload::kMixed ? run.sizes.item_numbers : 0});
  }
  (void)pool.map(pool_fetch, items, 1);  // one request per task: the pool's size is the limit
}

// ---- the event loop: lesson 11 ---------------------------------------------------------------------

loop::Task<> loop_fetch(const Run& run, int item, Workload workload, bool compute_in_thread) {
  {
    auto span = run.trace.span("wait for reply (awaiting)", "io");
    const threadlings::UniqueFd reply = readable_after(run.sizes.reply);
    co_await loop::readable(reply.get());
    wait_for_expiry(reply.get());
  }
  if (workload != Workload::kMixed) co_return;
  const Block block = item_block(item, run.sizes.item_numbers);
  if (compute_in_thread) {
    (void)co_await loop::to_thread([&run, block] {
      run.trace.name_thread("to_thread worker");
      auto span = run.trace.span("count primes");
      return count_primes(block);
    });
  } else {
    auto span = run.trace.span("count primes (the loop is blocked)");
    (void)count_primes(block);
  }
}

loop::Task<> loop_count(const Run& run, unsigned worker, unsigned workers, bool compute_in_thread) {
  if (compute_in_thread) {
    (void)co_await loop::to_thread([&run, worker, workers] {
      run.trace.name_thread("to_thread worker");
      return count_share(run, worker, workers);
    });
  } else {
    (void)count_share(run, worker, workers);  // a task that never awaits holds the loop until it is done
  }
}

loop::Task<> loop_main(const Run& run, Workload workload, bool compute_in_thread) {
  std::vector<loop::Task<>> tasks;
  if (workload == Workload::kCpu) {
    for (unsigned worker = 0; worker < run.cores; ++worker) {
      tasks.push_back(loop_count(run, worker, run.cores, compute_in_thread));
    }
  } else {
    for (int item = 0; item < run.sizes.requests; ++item) {
      tasks.push_back(loop_fetch(run, item, workload, compute_in_thread));
    }
  }
  (void)co_await loop::gather(std::move(tasks));
}

void event_loop(const Run& run, Workload workload) {
  run.trace.name_thread("event loop");
  loop::run(loop_main(run, workload, false));
}

void loop_to_thread(const Run& run, Workload workload) {
  run.trace.name_thread("event loop");
  loop::run(loop_main(run, workload, true));
}

// ---------------------------------------------------------------------------------------------------
// The table.

struct Model {
  const char* name;    // in the table
  const char* slug;    // in file names
  const char* python;  // what a Python programmer would write
  void (*body)(const Run&, Workload);
};

const Model kModels[] = {
    {"serial", "serial", "a for loop", serial},
    {"threads", "threads", "ThreadPoolExecutor (free-threaded)", threads},
    {"threads under a GIL", "gil-threads", "threading, CPython 3.12", gil_threads},
    {"processes", "processes", "multiprocessing.Process", processes},
    {"process pool", "pool", "multiprocessing.Pool", process_pool},
    {"event loop", "loop", "asyncio", event_loop},
    {"event loop + to_thread", "loop-to-thread", "asyncio.to_thread", loop_to_thread},
};

std::string describe(Workload workload, const Sizes& sizes) {
  const auto reply_ms = std::to_string(sizes.reply.count());
  switch (workload) {
    case Workload::kCpu:
      return "CPU-bound: count the primes up to " + std::to_string(sizes.prime_limit);
    case Workload::kIo:
      return "I/O-bound: " + std::to_string(sizes.requests) + " requests, each reply after " + reply_ms + " ms";
    case Workload::kMixed:
      return "mixed: " + std::to_string(sizes.requests) + " requests (reply after " + reply_ms +
             " ms), then count the primes in " + std::to_string(sizes.item_numbers) + " numbers each";
  }
  return "";
}

// Draws `trace` as an SVG beside `json`: the same picture threadlings_timeline would draw.
void draw(const TraceRecorder& trace, const std::filesystem::path& json, const std::string& title) {
  const std::string trace_json = trace.to_json();  // written once, then read back for the picture
  {
    std::ofstream file(json);
    file << trace_json << '\n';
    if (!file) throw std::runtime_error("cannot write " + json.string());
  }
  std::istringstream text(trace_json);
  threadlings::timeline::LayoutOptions options;
  options.title = title;
  options.source = json.filename().string();
  options.max_rows = 24;
  const threadlings::timeline::Layout layout =
      threadlings::timeline::lay_out(threadlings::timeline::parse_trace(text, json.string()), options);
  std::filesystem::path svg = json;
  svg.replace_extension(".svg");
  std::ofstream out(svg);
  threadlings::timeline::write_svg(out, layout);
  if (!out) throw std::runtime_error("cannot write " + svg.string());
}

struct Measured {
  std::optional<double> seconds;
  std::string note;  // why there is no time
};

Measured measure(const Model& model, Workload workload, const Sizes& sizes, unsigned cores,
                 const std::optional<std::filesystem::path>& trace_file) {
  TraceRecorder trace;
  std::filesystem::path child_dir;
  if (trace_file) {
    child_dir = std::filesystem::temp_directory_path() / ("threadlings-lab-" + std::to_string(::getpid()));
    std::filesystem::create_directories(child_dir);
  }
  const Run run{sizes, cores, trace, child_dir};
  Measured measured;
  try {
    threadlings::Stopwatch stopwatch;
    model.body(run, workload);
    measured.seconds = stopwatch.elapsed_seconds();
  } catch (const threadlings::NotImplemented& unfinished) {
    measured.note = unfinished.what();
  }
  if (trace_file && measured.seconds) {
    const std::string stem = trace_file->stem().string() + "-" + slug(workload) + "-" + model.slug;
    draw(trace, trace_file->parent_path() / (stem + ".json"),
         std::string(model.name) + ": " + title_of(workload));
  }
  if (!child_dir.empty()) std::filesystem::remove_all(child_dir);
  return measured;
}

// The best time this machine could reach for `workload`, from the serial run's time.
double ideal_seconds(Workload workload, const Sizes& sizes, unsigned cores, double serial_seconds) {
  const double reply = std::chrono::duration<double>(sizes.reply).count();
  switch (workload) {
    case Workload::kCpu:  // every core busy, nothing else
      return serial_seconds / cores;
    case Workload::kIo:  // every wait at once
      return reply;
    case Workload::kMixed: {  // every wait at once, then the computing spread over every core
      const double compute = std::max(0.0, serial_seconds - sizes.requests * reply);
      return reply + compute / cores;
    }
  }
  return serial_seconds;
}

void table(Workload workload, const Sizes& sizes, unsigned cores, const std::optional<std::filesystem::path>& trace) {
  std::printf("== %s (%u cores here) ==\n", describe(workload, sizes).c_str(), cores);
  std::printf("  %-24s %-36s %10s %10s %9s\n", "model", "in Python", "wall ms", "x serial", "of ideal");
  std::optional<double> serial_seconds;
  for (const Model& model : kModels) {
    const Measured measured = measure(model, workload, sizes, cores, trace);
    if (!measured.seconds) {
      std::printf("  %-24s %-36s   not run: %s\n", model.name, model.python, measured.note.c_str());
      continue;
    }
    if (!serial_seconds) serial_seconds = *measured.seconds;  // the first row is the serial one
    const double speedup = *serial_seconds / *measured.seconds;
    const double ideal_speedup = *serial_seconds / ideal_seconds(workload, sizes, cores, *serial_seconds);
    std::printf("  %-24s %-36s %10.1f %9.2fx %8.0f%%\n", model.name, model.python, *measured.seconds * 1000,
                speedup, 100 * speedup / ideal_speedup);
  }
  std::printf("\n");
}

// How many workers? One of the seeds says to use only half the cores for multiprocessing. The same
// CPU-bound count with 1, 2, ... up to twice as many processes as cores answers it on this machine.
void worker_sweep(const Sizes& sizes, unsigned cores) {
  std::printf("== How many processes? The CPU-bound count with 1 to %u processes ==\n", 2 * cores);
  std::printf("  %-24s %10s %10s\n", "processes", "wall ms", "x one");
  std::optional<double> one;
  for (unsigned workers = 1; workers <= 2 * cores; ++workers) {
    try {
      threadlings::Stopwatch stopwatch;
      (void)threadlings::lesson12::parallel_count_primes(sizes.prime_limit, workers,
                                                         threadlings::lesson12::Model::kProcesses);
      const double seconds = stopwatch.elapsed_seconds();
      if (!one) one = seconds;
      std::printf("  %-24u %10.1f %9.2fx%s\n", workers, seconds * 1000, *one / seconds,
                  workers == cores ? "   <- one per core" : (2 * workers == cores ? "   <- half the cores" : ""));
    } catch (const threadlings::NotImplemented& unfinished) {
      std::printf("  not run: %s\n", unfinished.what());
      break;
    }
  }
  std::printf("\n");
}

// ---------------------------------------------------------------------------------------------------
// The seeds' experiment in CPython itself: two CPU-bound and two I/O-bound jobs, threads against
// processes. The script measures its own time, so the interpreter's start-up is not counted.

constexpr const char* kSeedsExperiment = R"(
import multiprocessing, sys, threading, time

def count_primes(begin, end):
    count = 0
    for n in range(max(begin, 2), end):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count

def io_job(_begin, _end):
    time.sleep(0.2)

def timed(kind, job, args):
    workers = [kind(target=job, args=a) for a in args]
    t0 = time.perf_counter()
    for w in workers: w.start()
    for w in workers: w.join()
    return time.perf_counter() - t0

if __name__ == "__main__":
    limit = int(sys.argv[1])
    both = [(0, limit), (0, limit)]  # two equal jobs, as in the seeds' experiment
    t0 = time.perf_counter(); count_primes(0, limit); count_primes(0, limit); cpu_serial = time.perf_counter() - t0
    t0 = time.perf_counter(); io_job(0, 0); io_job(0, 0); io_serial = time.perf_counter() - t0
    multiprocessing.set_start_method("fork")
    print(cpu_serial, timed(threading.Thread, count_primes, both),
          timed(multiprocessing.Process, count_primes, both),
          io_serial, timed(threading.Thread, io_job, both), timed(multiprocessing.Process, io_job, both))
)";

void cpython_experiment(bool quick) {
  std::printf("== The seeds' experiment in CPython: 2 equal jobs, threading.Thread against multiprocessing.Process ==\n");
  if (quick) {
    std::printf("  skipped in --quick (CPython counts primes about 50 times slower)\n\n");
    return;
  }
  const threadlings::PythonRun python = threadlings::run_python(kSeedsExperiment, {"100000"});
  std::istringstream numbers(python.output.value_or(""));
  double cpu_serial = 0, cpu_threads = 0, cpu_processes = 0, io_serial = 0, io_threads = 0, io_processes = 0;
  if (!(numbers >> cpu_serial >> cpu_threads >> cpu_processes >> io_serial >> io_threads >> io_processes)) {
    std::printf("  skipped: %s\n\n", python.why_not.empty() ? "no numbers from python3" : python.why_not.c_str());
    return;
  }
  std::printf("  %-44s %10s %10s\n", "", "wall ms", "x serial");
  const auto row = [](const char* what, double seconds, double serial_seconds) {
    std::printf("  %-44s %10.1f %9.2fx\n", what, seconds * 1000, serial_seconds / seconds);
  };
  row("CPU-bound, 2 x count primes to 100000, serial", cpu_serial, cpu_serial);
  row("CPU-bound, 2 threads", cpu_threads, cpu_serial);
  row("CPU-bound, 2 processes", cpu_processes, cpu_serial);
  row("I/O-bound, 2 x sleep(0.2), serial", io_serial, io_serial);
  row("I/O-bound, 2 threads", io_threads, io_serial);
  row("I/O-bound, 2 processes", io_processes, io_serial);
  std::printf("  CPython's threads take turns under the GIL for CPU work and overlap for sleeps; its processes\n"
              "  overlap both, after paying to start. The C++ tables above show what changes without a GIL.\n\n");
}

int lab(const threadlings::DemoOptions& options) {
  const Sizes& sizes = options.quick ? kQuick : kFull;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  std::printf("Every model runs the same code on the same inputs; 'of ideal' compares with the best this\n"
              "machine allows: every core busy for CPU work, every wait at once for I/O.\n\n");
  for (const Workload workload : {Workload::kCpu, Workload::kIo, Workload::kMixed}) {
    table(workload, sizes, cores, options.trace);
  }
  worker_sweep(sizes, cores);
  cpython_experiment(options.quick);
  if (options.trace) {
    std::printf("Traces and timelines: %s/%s-<workload>-<model>.{json,svg}\n",
                options.trace->parent_path().empty() ? "." : options.trace->parent_path().c_str(),
                options.trace->stem().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return threadlings::run_demo(argc, argv, "Lesson 12: every model of the course on CPU-bound, I/O-bound and mixed work, measured", lab);
}
