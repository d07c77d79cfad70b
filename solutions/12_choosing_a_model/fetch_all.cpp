// Lesson 12, choosing a model: make fetch_all pass the tests in tests/12_choosing_a_model/.
// Concept: I/O-bound work on a bounded pool of threads, in order, with failures propagated (lessons/12_choosing_a_model/README.md).
// Check: ./threadlings check 12    (or ctest --preset student -L lesson12)
#include "fetch_all.hpp"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace threadlings::lesson12 {

std::vector<std::string> fetch_all(const std::vector<std::string>& requests, const Fetch& fetch,
                                   unsigned max_in_flight) {
  if (max_in_flight == 0) throw std::invalid_argument("fetch_all(): max_in_flight must be at least 1");
  if (!fetch) throw std::invalid_argument("fetch_all(): the fetch function is empty");

  // Each response and each error has a slot of its own, written by the one worker that fetched that
  // request: no lock needed for them. The lock guards only which request is next and whether to stop.
  std::vector<std::string> responses(requests.size());
  std::vector<std::exception_ptr> errors(requests.size());
  std::mutex mutex;
  std::size_t next = 0;
  bool failed = false;

  const auto work = [&] {
    while (true) {
      std::size_t index = 0;
      {
        const std::lock_guard lock(mutex);
        if (failed || next == requests.size()) return;  // a failure stops new starts
        index = next++;
      }
      try {
        responses[index] = fetch(requests[index]);  // outside the lock: fetches overlap
      } catch (...) {
        errors[index] = std::current_exception();
        const std::lock_guard lock(mutex);
        failed = true;
      }
    }
  };
  {
    const std::size_t worker_count = std::min<std::size_t>(max_in_flight, requests.size());
    std::vector<std::jthread> workers;
    workers.reserve(worker_count);
    for (std::size_t i = 0; i < worker_count; ++i) workers.emplace_back(work);
  }  // joined here, also when starting a worker threw
  // The first failed request in request order, not the first to fail in time: like iterating over
  // Python's pool.map, the caller gets the error of the earliest request that has one.
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return responses;
}

}  // namespace threadlings::lesson12
