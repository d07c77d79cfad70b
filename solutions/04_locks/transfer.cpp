// Lesson 04, locks: make transfer() pass the tests in tests/04_locks/transfer_test.cpp.
// Concept: locking two mutexes without deadlock: std::scoped_lock (std::lock's algorithm) or one global order.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "transfer.hpp"

#include <string>

namespace threadlings::lesson04 {

void transfer(Account& from, Account& to, long long amount) {
  // Checked first: std::scoped_lock on the same mutex twice would be undefined behaviour.
  if (&from == &to) throw ValueError("transfer: from and to are the same account");
  if (amount <= 0) throw ValueError("transfer: the amount must be positive");
  // Both at once, never one then the other (CP.21): std::scoped_lock uses std::lock's algorithm, which
  // never blocks on one mutex while holding the other, so opposite transfers cannot deadlock.
  const std::scoped_lock both(from.mutex, to.mutex);
  if (from.balance < amount) {
    // Checked under both locks, before anything changes: the balance can not drop between check and use.
    throw InsufficientFunds("transfer: insufficient funds (balance " + std::to_string(from.balance) + ", amount " +
                            std::to_string(amount) + ")");
  }
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace threadlings::lesson04
