// Tests of lesson 05's AllowThreads: Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS as a scope.
#include "allow_threads.hpp"

#include <cstdint>
#include <future>
#include <latch>
#include <stdexcept>

#include <gtest/gtest.h>

#include "gil.hpp"
#include "threadlings/toy_vm.hpp"

namespace {

using threadlings::GilInterface;
using threadlings::lesson05::AllowThreads;
using threadlings::lesson05::Gil;
using threadlings::lesson05::GilError;
namespace vm = threadlings::vm;

// Inside the scope the GIL is free, so another thread can take it; at the end the scope re-takes it.
TEST(AllowThreads, ReleasesTheGilForTheScopeAndRetakesIt) {
  Gil gil;
  gil.take();
  {
    const AllowThreads allow(gil);
    EXPECT_FALSE(gil.locked());
    std::async(std::launch::async, [&gil] {
      gil.take();  // would wait forever if the scope had kept the GIL
      gil.drop();
    }).get();
  }
  EXPECT_TRUE(gil.held_by_current_thread()) << "the GIL was not taken back at the end of the scope";
  gil.drop();
}

// Leaving the scope by an exception also takes the GIL back.
TEST(AllowThreads, RetakesTheGilWhenLeftByAnException) {
  Gil gil;
  gil.take();
  try {
    const AllowThreads allow(gil);
    throw std::runtime_error("the blocking call failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(gil.held_by_current_thread());
  gil.drop();
}

// Releasing a GIL the thread does not hold is a misuse: GilError, from drop().
TEST(AllowThreads, WithoutHoldingTheGilThrowsGilError) {
  Gil gil;
  EXPECT_THROW({ const AllowThreads allow(gil); }, GilError);
  EXPECT_FALSE(gil.locked());
}

// Two VM threads inside AllowThreads at the same time: both reach a latch that only opens when both
// are there, which cannot happen if either kept the GIL.
TEST(AllowThreads, TwoVmThreadsRunInsideAtOnce) {
  Gil gil;
  ASSERT_FALSE(gil.locked());
  std::latch both_inside(2);
  const vm::Interpreter interpreter(gil, [&](GilInterface& held, std::int64_t) {
    const AllowThreads allow(held);
    both_inside.arrive_and_wait();  // the "blocking call": returns once the other thread is inside too
  });
  const vm::Program program = vm::io_loop(1, 0);
  auto first = std::async(std::launch::async, [&] { return interpreter.run(program); });
  auto second = std::async(std::launch::async, [&] { return interpreter.run(program); });
  const vm::RunResult first_result = first.get();
  const vm::RunResult second_result = second.get();
  EXPECT_EQ(first_result.io_calls, 1);
  EXPECT_EQ(second_result.io_calls, 1);
  EXPECT_FALSE(gil.locked());
}

}  // namespace
