// Lesson 04, locks: make transfer() pass the tests in tests/04_locks/transfer_test.cpp.
// Concept: locking two mutexes without deadlock: std::scoped_lock (std::lock's algorithm) or one global order.
// Check: ./threadlings check 04    (or ctest --preset student -L lesson04)
#include "transfer.hpp"

#include <string>

#include "threadlings/not_implemented.hpp"

namespace threadlings::lesson04 {

// TODO: reject a transfer to the same account and a non-positive amount (ValueError) before locking
// anything. Then hold BOTH mutexes without ever holding one while blocking on the other, check the
// balance (InsufficientFunds, nothing changed), and move the money.
void transfer(Account& from, Account& to, long long amount) { throw NotImplemented("transfer — see lesson 04"); }

}  // namespace threadlings::lesson04
