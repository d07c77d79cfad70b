#pragma once
/// @file
/// The CPython side of lesson 08's throughput comparison between processes, shared by the lesson's
/// demo and bench/process_queue so that both time the same program.

#include <string_view>

namespace lesson08_cpython {

/// `python3 -c kQueueScript N`: a forked producer process puts the ints 0 to N-1 into a
/// multiprocessing.Queue and the parent gets and adds them (checked), as ProcessQueue's measurement
/// does. It prints the seconds it took, child start included, measured inside Python, so the
/// interpreter's own start-up is not counted.
inline constexpr std::string_view kQueueScript =
    "import multiprocessing as mp, sys, time\n"
    "def produce(q, n):\n"
    "    for i in range(n): q.put(i)\n"
    "if __name__ == '__main__':\n"
    "    n = int(sys.argv[1]); ctx = mp.get_context('fork'); q = ctx.Queue()\n"
    "    t0 = time.perf_counter(); p = ctx.Process(target=produce, args=(q, n)); p.start()\n"
    "    s = sum(q.get() for _ in range(n)); p.join()\n"
    "    assert s == n * (n - 1) // 2\n"
    "    print(time.perf_counter() - t0)\n";

}  // namespace lesson08_cpython
