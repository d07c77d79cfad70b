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

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson12 {

// TODO: reject max_in_flight == 0 and an empty fetch (std::invalid_argument naming each). Then:
// - a slot per request for its response and one for its exception (std::exception_ptr): each is
//   written by the one worker that fetched that request, so they need no lock;
// - under one mutex, only the index of the next request to start and a "failed" flag;
// - min(max_in_flight, requests.size()) std::jthread workers, each looping: under the lock, stop if
//   failed or none is left, else take the next index; outside the lock, fetch it (so fetches overlap);
//   on an exception keep std::current_exception() in its slot and set failed under the lock;
// - after the workers are joined (the jthreads' scope ends), rethrow the first exception in request
//   order with std::rethrow_exception, or return the responses.
std::vector<std::string> fetch_all(const std::vector<std::string>& requests, const Fetch& fetch,
                                   unsigned max_in_flight) {
  (void)requests;
  (void)fetch;
  (void)max_in_flight;
  throw NotImplemented("fetch_all — see lesson 12");
}

}  // namespace threadlings::lesson12
