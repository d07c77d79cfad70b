// Tests of lesson 02's start_new_thread: the low-level _thread API, detached and unjoinable.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "thread.hpp"
#include "threadlings/testing/start_gate.hpp"

namespace {

using threadlings::lesson02::start_new_thread;
using threadlings::testing::Signal;

// What the detached thread saw, kept alive by shared ownership: the thread may outlive the test body.
struct Report {
  Signal done;
  std::thread::id id;
  std::string text;
  int number = 0;
};

// The function runs on a new thread with its arguments, and the returned id is that thread's.
TEST(StartNewThread, RunsFunctionWithArgumentsAndReturnsItsId) {
  auto report = std::make_shared<Report>();
  const std::thread::id returned = start_new_thread(
      [report](std::string text, int number) {
        report->id = std::this_thread::get_id();
        report->text = std::move(text);
        report->number = number;
        report->done.notify();
      },
      std::string("primes"), 50);
  report->done.wait();
  EXPECT_EQ(returned, report->id);
  EXPECT_NE(returned, std::this_thread::get_id());
  EXPECT_EQ(report->text, "primes");
  EXPECT_EQ(report->number, 50);
}

// Two calls start two distinct threads. (Ids are unique only among live threads, so both are kept
// alive until both ids are compared: an exited thread's id may be reused.)
TEST(StartNewThread, EachCallStartsADistinctThread) {
  auto first = std::make_shared<Report>();
  auto second = std::make_shared<Report>();
  auto release = std::make_shared<Signal>();
  auto body = [release](const std::shared_ptr<Report>& report) {
    report->id = std::this_thread::get_id();
    report->done.notify();
    release->wait();
  };
  const auto a = start_new_thread(body, first);
  const auto b = start_new_thread(body, second);
  first->done.wait();
  second->done.wait();
  release->notify();
  EXPECT_NE(a, b);
  EXPECT_EQ(a, first->id);
  EXPECT_EQ(b, second->id);
}

}  // namespace
