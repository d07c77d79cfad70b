// Tests of lesson 09's SharedValue and SharedArray: typed shared memory that forked children see,
// with a lock, like multiprocessing.Value and multiprocessing.Array.
#include "shared_value.hpp"

#include <array>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "threadlings/testing/forked_child.hpp"

namespace {

using threadlings::testing::ForkedChild;
using lesson09_test::Hold;
using lesson09_test::Notice;
using threadlings::lesson09::IndexError;
using threadlings::lesson09::LockResult;
using threadlings::lesson09::SharedArray;
using threadlings::lesson09::SharedLockGuard;
using threadlings::lesson09::SharedValue;

// A trivially copyable structure, as a ctypes.Structure would be.
struct Point {
  double x;
  double y;
  std::int32_t tag;
};

// A type that asks for more alignment than the mutex in front of it gives.
struct alignas(64) Wide {
  std::array<std::uint8_t, 64> bytes;
};

// Value('l', 5) holds 5; Value('l') holds 0.
TEST(SharedValue, HoldsItsInitialValueOrZero) {
  EXPECT_EQ(SharedValue<long>(5).get(), 5);
  EXPECT_EQ(SharedValue<long>().get(), 0);
}

// set() replaces the value, for a structure too.
TEST(SharedValue, SetReplacesTheValue) {
  SharedValue<Point> point(Point{1.0, 2.0, 3});
  point.set(Point{4.5, -1.0, 7});
  const Point seen = point.get();
  EXPECT_EQ(seen.x, 4.5);
  EXPECT_EQ(seen.y, -1.0);
  EXPECT_EQ(seen.tag, 7);
}

// get_obj() is the value itself: a write through it is what get() returns.
TEST(SharedValue, GetObjIsTheValueItself) {
  SharedValue<int> value(1);
  value.get_obj() = 5;
  EXPECT_EQ(value.get(), 5);
  EXPECT_EQ(&value.get_obj(), &value.get_obj());
}

// The value sits at an address that suits its type, even one more aligned than the mutex before it.
TEST(SharedValue, ValueIsAlignedForItsType) {
  SharedValue<Wide> wide;
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&wide.get_obj()) % alignof(Wide), 0U);
  SharedValue<double> number(1.5);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&number.get_obj()) % alignof(double), 0U);
}

// get() takes the lock; the lock is not recursive, so get() while holding it is a logic error.
TEST(SharedValue, GetWhileHoldingItsLockThrowsLogicError) {
  SharedValue<int> value(1);
  ASSERT_EQ(value.get_lock().lock(), LockResult::kAcquired);
  EXPECT_THROW((void)value.get(), std::logic_error);
  value.get_lock().unlock();
}

// Tests that fork: every child reaped, every descriptor closed.
class SharedValueAcrossFork : public lesson09_test::SharedMemoryTest {};

// A forked child's write is seen by the parent (a plain variable's would not be: lesson 01).
TEST_F(SharedValueAcrossFork, ChildsWriteIsSeenByTheParent) {
  SharedValue<int> value(1);
  ForkedChild child([&] {
    value.set(2);
    return 0;
  });
  ASSERT_EQ(child.join(), 0);
  EXPECT_EQ(value.get(), 2) << "the child wrote its own copy: is the mapping MAP_SHARED?";
}

// The parent's write after the fork reaches the child, too.
TEST_F(SharedValueAcrossFork, ParentsWriteAfterTheForkIsSeenByTheChild) {
  SharedValue<int> value(1);
  Hold go;
  ForkedChild child([&] {
    go.wait();
    return value.get();  // the exit code carries what the child saw
  });
  value.set(42);
  go.release();
  EXPECT_EQ(child.join(), 42);
}

// Four children, 10000 locked increments each: none is lost.
TEST_F(SharedValueAcrossFork, LockedIncrementsFromFourChildrenAreAllCounted) {
  constexpr int kChildren = 4;
  constexpr int kIncrements = 10'000;
  SharedValue<long> counter(0);
  std::vector<std::unique_ptr<ForkedChild>> children;
  for (int c = 0; c < kChildren; ++c) {
    children.push_back(std::make_unique<ForkedChild>([&] {
      for (int i = 0; i < kIncrements; ++i) {
        SharedLockGuard guard(counter.get_lock(), [] {});
        counter.get_obj() += 1;
      }
      return 0;
    }));
  }
  for (const auto& child : children) EXPECT_EQ(child->join(), 0);
  EXPECT_EQ(counter.get(), kChildren * kIncrements);
}

// A child killed while holding the value's lock does not stop get() and set(): a SharedValue's lock
// guards one value, which the dead owner either wrote or did not.
TEST_F(SharedValueAcrossFork, ValueStaysUsableAfterItsLockHolderIsKilled) {
  SharedValue<int> value(3);
  Notice holding;
  Hold never;
  ForkedChild child([&] {
    if (value.get_lock().lock() != LockResult::kAcquired) return 2;
    value.get_obj() = 4;
    holding.send();
    never.wait();
    return 3;
  });
  holding.close_write_end();
  ASSERT_TRUE(holding.wait());
  ::kill(child.pid(), SIGKILL);
  never.release();
  EXPECT_EQ(child.join(), -SIGKILL);
  EXPECT_EQ(value.get(), 4);
  value.set(5);
  EXPECT_EQ(value.get(), 5);
}

// Array('d', 3) has three zeros; Array('i', 4, fill) has four copies of the fill.
TEST(SharedArray, HasItsLengthAndFill) {
  const SharedArray<double> zeros(3);
  EXPECT_EQ(zeros.size(), 3U);
  EXPECT_EQ(zeros.to_vector(), (std::vector<double>{0.0, 0.0, 0.0}));
  const SharedArray<int> sevens(4, 7);
  EXPECT_EQ(sevens.to_vector(), (std::vector<int>{7, 7, 7, 7}));
}

// Array('i', [1, 2, 3]) copies its initial values.
TEST(SharedArray, CopiesItsInitialValues) {
  const std::vector<int> initial{1, 2, 3};
  SharedArray<int> array{std::span<const int>(initial)};
  EXPECT_EQ(array.size(), 3U);
  EXPECT_EQ(array.get(0), 1);
  EXPECT_EQ(array.get(2), 3);
  array.set(1, 20);
  EXPECT_EQ(array.to_vector(), (std::vector<int>{1, 20, 3}));
}

// The last element is index size() - 1, readable and writable.
TEST(SharedArray, LastIndexIsValid) {
  SharedArray<int> array(5);
  array.set(4, 9);
  EXPECT_EQ(array.get(4), 9);
  EXPECT_EQ(array.get_obj()[4], 9);
}

// Index size() is one past the end: IndexError (a std::out_of_range) naming the index.
TEST(SharedArray, IndexEqualToTheLengthThrowsIndexError) {
  SharedArray<int> array(5);
  EXPECT_THROW((void)array.get(5), IndexError);
  EXPECT_THROW(array.set(5, 1), IndexError);
  try {
    (void)array.get(5);
  } catch (const std::out_of_range& error) {
    EXPECT_NE(std::string(error.what()).find('5'), std::string::npos) << error.what();
  }
}

// An index far past the end throws too, and nothing is written.
TEST(SharedArray, IndexFarPastTheEndThrowsIndexError) {
  SharedArray<int> array(5);
  EXPECT_THROW(array.set(1'000'000, 1), IndexError);
  EXPECT_THROW(array.set(static_cast<std::size_t>(-1), 1), IndexError);
  EXPECT_EQ(array.to_vector(), (std::vector<int>(5, 0)));
}

// An empty array has no element 0.
TEST(SharedArray, EmptyArrayHasNoElements) {
  SharedArray<int> array(0);
  EXPECT_EQ(array.size(), 0U);
  EXPECT_TRUE(array.get_obj().empty());
  EXPECT_THROW((void)array.get(0), IndexError);
}

class SharedArrayAcrossFork : public lesson09_test::SharedMemoryTest {};

// Four children each fill their quarter of one array in parallel; the parent sees every element.
TEST_F(SharedArrayAcrossFork, FourChildrenFillTheirPartsInParallel) {
  constexpr std::size_t kChildren = 4;
  constexpr std::size_t kLength = 4000;
  SharedArray<std::uint32_t> array(kLength);
  std::vector<std::unique_ptr<ForkedChild>> children;
  for (std::size_t c = 0; c < kChildren; ++c) {
    children.push_back(std::make_unique<ForkedChild>([&, c] {
      const std::span<std::uint32_t> elements = array.get_obj();  // disjoint parts: no lock needed
      for (std::size_t i = c * kLength / kChildren; i < (c + 1) * kLength / kChildren; ++i) {
        elements[i] = static_cast<std::uint32_t>(i * i);
      }
      return 0;
    }));
  }
  for (const auto& child : children) EXPECT_EQ(child->join(), 0);
  const std::vector<std::uint32_t> seen = array.to_vector();
  for (std::size_t i = 0; i < kLength; ++i) {
    ASSERT_EQ(seen[i], static_cast<std::uint32_t>(i * i)) << "element " << i;
  }
}

}  // namespace
