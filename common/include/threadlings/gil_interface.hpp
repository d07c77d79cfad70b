#pragma once
/// @file
/// The seam between the toy VM (toy_vm.hpp) and a global interpreter lock: the three calls CPython's
/// bytecode loop makes on its GIL, and a "no GIL" that makes the VM free-threaded.

namespace threadlings {

/// What the toy VM needs from a GIL, and nothing more. Lesson 05's `Gil` implements it, following
/// CPython's Python/ceval_gil.c; NoGil below implements it as nothing at all.
///
/// The VM calls, on each of its threads:
/// - take() once before the thread's first instruction (CPython: a new thread's bootstrap);
/// - drop_requested() at every back-edge (a jump back in the bytecode), and when it returns true,
///   drop() then take() (CPython: the eval breaker, checked in JUMP_BACKWARD);
/// - drop() once after the thread's last instruction, also when the run ends by an exception.
/// An I/O function the VM calls (see vm::IoFunction) holds the GIL on entry and on return; it may
/// drop() and take() around a blocking call (CPython: Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS).
///
/// Contract for implementations:
/// - take() blocks until the calling thread holds the GIL. Taking it when already held by the
///   caller is a misuse and may throw.
/// - drop() releases the caller's hold. Dropping a GIL the caller does not hold may throw. drop() may
///   block (CPython's forced switching waits until another thread has taken the GIL).
/// - drop_requested() is called by the holder very often, so it must be cheap and must not block:
///   an atomic load, typically.
///
/// @threadsafety Every member function is called from many threads at once; implementations must
/// be safe for that.
class GilInterface {
 public:
  virtual ~GilInterface() = default;

  /// Blocks until the calling thread holds the GIL.
  virtual void take() = 0;
  /// Releases the calling thread's hold on the GIL. May block (forced switching).
  virtual void drop() = 0;
  /// True when another thread has asked the holder to drop the GIL. Cheap; never blocks.
  [[nodiscard]] virtual bool drop_requested() const noexcept = 0;

 protected:
  GilInterface() = default;
  GilInterface(const GilInterface&) = default;
  GilInterface& operator=(const GilInterface&) = default;
};

/// No GIL at all: take() and drop() do nothing and no drop is ever requested, so the VM's threads run
/// in parallel. This is what free-threaded CPython (3.13t, PEP 703) does, minus everything else it
/// needs to stay correct without a GIL (per-object locks, biased reference counting); the toy VM's
/// threads share nothing, so they need none of it.
///
/// @threadsafety Stateless: safe from any number of threads.
class NoGil final : public GilInterface {
 public:
  void take() override {}
  void drop() override {}
  [[nodiscard]] bool drop_requested() const noexcept override { return false; }
};

}  // namespace threadlings
