// Lesson 12's test helpers shared by parallel_test.cpp and fetch_all_test.cpp.
#pragma once

#include <condition_variable>
#include <mutex>

namespace lesson12_test {

/// Where the workers of one call meet: each job arrives and waits until the test opens the gate. The
/// test waits until all have arrived, or until the call has ended without them (then it fails instead
/// of waiting for ever).
///
/// @threadsafety Every member function is safe from any thread.
class Rendezvous {
 public:
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  // The call under test has returned or thrown.
  void call_ended() {
    const std::lock_guard lock(mutex_);
    call_ended_ = true;
    changed_.notify_all();
  }
  // Returns how many jobs arrived before the count reached `expected` or the call ended.
  unsigned wait_for_arrivals(unsigned expected) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return arrived_ >= expected || call_ended_; });
    return arrived_;
  }
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  unsigned arrived_ = 0;
  bool call_ended_ = false;
  bool open_ = false;
};

}  // namespace lesson12_test
