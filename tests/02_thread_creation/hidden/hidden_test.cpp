// Hidden tests of lesson 02: graded by `threadlings grade`, never handed out (export-student leaves
// this folder behind). They check behaviour the lesson teaches but the visible tests do not spell out.
#include <atomic>

#include <gtest/gtest.h>

#include "thread.hpp"

namespace {

using threadlings::lesson02::Thread;

// Python allows join() on a finished thread any number of times; each returns at once.
TEST(HiddenThread, JoinTwiceReturnsAtOnce) {
  std::atomic<int> runs{0};
  Thread thread([&] { ++runs; });
  thread.start();
  thread.join();
  thread.join();
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
