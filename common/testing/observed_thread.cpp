#include "threadlings/testing/observed_thread.hpp"

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "threadlings/testing/thread_state.hpp"

namespace threadlings::testing {

ObservedThread::ObservedThread(std::function<void()> body)
    : thread_([this, body = std::move(body)] {
        tid_ = current_tid();
        started_.count_down();
        try {
          body();
        } catch (...) {
          error_ = std::current_exception();
        }
      }) {
  started_.wait();
}

ObservedThread::~ObservedThread() {
  if (thread_.joinable()) thread_.join();
  if (error_ && !collected_) {
    std::string what = "an exception that is not a std::exception";
    try {
      std::rethrow_exception(error_);
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {
    }
    ADD_FAILURE() << "an ObservedThread threw, and no join() collected it: " << what;
  }
}

bool ObservedThread::blocked(std::chrono::milliseconds limit) const { return wait_until_blocked(tid_, limit); }

void ObservedThread::join() {
  thread_.join();
  collected_ = true;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace threadlings::testing
