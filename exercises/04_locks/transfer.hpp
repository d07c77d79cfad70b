// Lesson 04, locks: make transfer() pass the tests in tests/04_locks/transfer_test.cpp.
// Concept: locking two mutexes without deadlock: std::scoped_lock (std::lock's algorithm) or one global order.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#pragma once

#include <mutex>
#include <stdexcept>

#include "errors.hpp"

namespace threadlings::lesson04 {

/// A bank account: a balance guarded by the account's own mutex.
///
/// @threadsafety `balance` is guarded by `mutex`: read or write it only while holding `mutex` (or when no
/// other thread can reach the account, e.g. after joining them all).
// TODO: nothing to change in this header: transfer() goes in transfer.cpp.
struct Account {
  explicit Account(long long opening_balance = 0) : balance(opening_balance) {}
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  std::mutex mutex;
  long long balance;  // guarded by mutex
};

/// Thrown by transfer() when the source account holds less than the amount.
class InsufficientFunds : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Moves `amount` from `from` to `to`, holding both accounts' mutexes, so that no thread ever sees the
/// money in both accounts or in neither.
///
/// - Blocks while another thread holds either mutex; waits by blocking, never by spinning.
/// - Cannot deadlock, whatever the calls other threads make at the same time: in particular
///   `transfer(a, b, x)` on one thread and `transfer(b, a, y)` on another both complete.
/// - Throws InsufficientFunds when `from.balance < amount`; ValueError when `amount <= 0`, or when
///   `from` and `to` are the same account. Either way, both balances are unchanged.
///
/// Requires: the caller holds neither mutex.
/// @threadsafety Safe to call from any number of threads at once, on any accounts.
void transfer(Account& from, Account& to, long long amount);

}  // namespace threadlings::lesson04
