// Tests of lesson 04's transfer(): the money moves, errors change nothing, and no lock-order cycle.
#include "transfer.hpp"

#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "threadlings/testing/observed_thread.hpp"

namespace {

using namespace std::chrono_literals;
using threadlings::testing::ObservedThread;
using threadlings::lesson04::Account;
using threadlings::lesson04::InsufficientFunds;
using threadlings::lesson04::transfer;
using threadlings::lesson04::ValueError;

// A transfer moves the amount from one balance to the other.
TEST(Transfer, MovesTheAmount) {
  Account a(100);
  Account b(20);
  transfer(a, b, 30);
  EXPECT_EQ(a.balance, 70);
  EXPECT_EQ(b.balance, 50);
}

// Moving more than the balance throws InsufficientFunds and changes neither balance.
TEST(Transfer, InsufficientFundsChangesNothing) {
  Account a(10);
  Account b(5);
  EXPECT_THROW(transfer(a, b, 11), InsufficientFunds);
  EXPECT_EQ(a.balance, 10);
  EXPECT_EQ(b.balance, 5);
  transfer(a, b, 10);  // the whole balance is fine
  EXPECT_EQ(a.balance, 0);
  EXPECT_EQ(b.balance, 15);
}

// A transfer to the same account, and a non-positive amount, are ValueErrors that change nothing.
TEST(Transfer, BadArgumentsAreValueErrors) {
  Account a(10);
  Account b(10);
  EXPECT_THROW(transfer(a, a, 1), ValueError);  // std::scoped_lock(a.mutex, a.mutex) would be undefined
  EXPECT_THROW(transfer(a, b, 0), ValueError);
  EXPECT_THROW(transfer(a, b, -5), ValueError);
  EXPECT_EQ(a.balance, 10);
  EXPECT_EQ(b.balance, 10);
  std::unique_lock check(a.mutex, std::try_to_lock);
  EXPECT_TRUE(check.owns_lock()) << "a refused transfer left a mutex locked";
}

/// What the test saw while it held one mutex and a transfer thread was blocked.
struct Observation {
  bool blocked = false;              // the transfer blocked while the test held the mutex
  bool held_the_other = false;       // ...holding the other account's mutex meanwhile
  std::exception_ptr error;          // what transfer() threw, if anything
};

// Holds `held` (one of the two accounts' mutexes), runs transfer(from, to, 1) on a thread, waits until that
// thread is blocked, and looks (with try_lock) whether it holds `other` meanwhile. Looks twice: std::lock
// holds a mutex for a moment between its attempts, while "lock one, then block on the other" holds it for
// as long as it waits.
Observation observe_blocked_transfer(Account& from, Account& to, std::mutex& held, std::mutex& other) {
  Observation seen;
  std::unique_lock hold(held);
  ObservedThread mover([&] {
    try {
      transfer(from, to, 1);
    } catch (...) {
      seen.error = std::current_exception();
    }
  });
  // A bound only so that a transfer that spins instead of blocking fails instead of hanging.
  seen.blocked = mover.blocked(5s);
  if (seen.blocked) {
    seen.held_the_other = true;
    for (int look = 0; look < 2 && seen.held_the_other; ++look) {
      if (look > 0 && !mover.blocked(5s)) break;
      if (other.try_lock()) {
        other.unlock();
        seen.held_the_other = false;
      }
    }
  }
  hold.unlock();
  mover.join();
  return seen;
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "(not a std::exception)";
  }
}

// Two opposite transfers can not deadlock: transfer() never waits for b's mutex while holding a's in one
// call and for a's while holding b's in another (the lock-order cycle behind every such deadlock).
TEST(Transfer, OppositeTransfersHaveNoLockOrderCycle) {
  Account a(100);
  Account b(100);
  bool held_a_waiting_for_b = false;
  bool held_b_waiting_for_a = false;
  struct Case {
    Account& from;
    Account& to;
    const char* direction;
  };
  for (const Case c : {Case{a, b, "a -> b"}, Case{b, a, "b -> a"}}) {
    for (Account* held : {&a, &b}) {
      Account& other = held == &a ? b : a;
      const Observation seen = observe_blocked_transfer(c.from, c.to, held->mutex, other.mutex);
      const std::string what = std::string("transfer ") + c.direction + " while the test held " + (held == &a ? "a" : "b");
      ASSERT_FALSE(seen.error) << what << ": transfer() threw: " << describe(seen.error);
      ASSERT_TRUE(seen.blocked) << what << ": transfer() did not block waiting for the mutex (does it spin?)";
      if (seen.held_the_other && held == &b) held_a_waiting_for_b = true;
      if (seen.held_the_other && held == &a) held_b_waiting_for_a = true;
    }
  }
  EXPECT_FALSE(held_a_waiting_for_b && held_b_waiting_for_a)
      << "transfer() waited for b's mutex while holding a's, and (in the other direction) for a's while "
         "holding b's. Two opposite transfers at the same moment each take their first mutex and wait for "
         "ever for the other's: a deadlock. Lock both at once (std::scoped_lock) or always in one order.";
  EXPECT_EQ(a.balance + b.balance, 200);
}

// Many concurrent transfers in both directions keep the total, and each account ends where it began.
TEST(Transfer, ConcurrentOppositeTransfersKeepTheTotal) {
  constexpr int kTransfers = 2000;
  constexpr long long kOpening = 2 * kTransfers;  // enough for one direction's transfers all at once
  Account a(kOpening);
  Account b(kOpening);
  std::vector<std::exception_ptr> errors(4);
  {
    std::vector<std::jthread> movers;
    for (std::size_t i = 0; i < 4; ++i) {
      movers.emplace_back([&, i] {
        try {
          for (int n = 0; n < kTransfers; ++n) {
            if (i % 2 == 0) {
              transfer(a, b, 1);
            } else {
              transfer(b, a, 1);
            }
          }
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    }
  }
  for (const auto& error : errors) ASSERT_FALSE(error) << describe(error);
  EXPECT_EQ(a.balance, kOpening);
  EXPECT_EQ(b.balance, kOpening);
}

}  // namespace
