// Lesson 12, choosing a model: make fetch_all pass the tests in tests/12_choosing_a_model/.
// Concept: I/O-bound work on a bounded pool of threads, in order, with failures propagated (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace threadlings::lesson12 {

/// Fetches one request and returns the response: in the lab a blocking wait that stands in for a
/// download or a database query. It may throw; the exception says what went wrong with that request.
using Fetch = std::function<std::string(const std::string& request)>;

/// Fetches every request, at most `max_in_flight` at a time, and returns the responses in the order of
/// the requests, whatever order they finish in. Python:
/// `with ThreadPoolExecutor(max_in_flight) as pool: return list(pool.map(fetch, requests))`.
///
/// How: min(max_in_flight, requests.size()) worker threads, each taking the next request not yet
/// started (so requests start in order) until none is left. Nothing starts when `requests` is empty.
///
/// Failures: once a fetch has thrown, no further request is started (Python: shutdown with
/// cancel_futures); the fetches already running finish, every worker is joined, and then the exception
/// of the failed request that comes first in `requests` is rethrown as it is (same type, same object).
///
/// Blocks: until every worker has ended; no thread outlives the call, also when it throws.
/// Throws: std::invalid_argument when max_in_flight == 0 or fetch is empty (before starting anything);
/// std::system_error when a worker thread cannot be started (after joining those that were).
/// @threadsafety Safe to call from any thread; `fetch` is called from up to max_in_flight threads at
/// once, so it must be safe for that.
[[nodiscard]] std::vector<std::string> fetch_all(const std::vector<std::string>& requests, const Fetch& fetch,
                                                 unsigned max_in_flight);

}  // namespace threadlings::lesson12
