// Lesson 11, async/await: make gather pass the tests in tests/11_async_await/.
// Concept: asyncio.gather: run tasks concurrently, results in argument order, the first error wins (lessons/11_async_await/README.md).
// Check: ./threadlings check 11    (or ctest --preset student -L lesson11)
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "task.hpp"

namespace threadlings::lesson11 {

namespace detail {

/// Where gather()'s results go: the typed half of a gather, written in this header (the templates
/// below), called by the untyped half, GatherCore.
///
/// @threadsafety Loop thread only.
class GatherSlots {
 public:
  /// Moves the value of child `child` (done, successful) into result slot `slot`.
  virtual void collect(std::size_t child, std::size_t slot) = 0;

 protected:
  GatherSlots() = default;
  GatherSlots(const GatherSlots&) = default;
  GatherSlots& operator=(const GatherSlots&) = default;
  GatherSlots(GatherSlots&&) = default;
  GatherSlots& operator=(GatherSlots&&) = default;
  virtual ~GatherSlots() = default;
};

/// The await point of gather(): waits until every child task has ended. Written once, in gather.cpp,
/// for every result type.
///
/// - start(): schedules the children nobody scheduled yet (on the running loop), claims every child
///   (a child awaited elsewhere throws InvalidStateError, as does one on another loop) and watches it.
/// - A child that ends successfully: its value goes to `slots`, in the slot of its position among the
///   arguments (results come in argument order, whatever order the children end in).
/// - The first child that ends with an exception (a cancellation included): that exception is
///   gather's; every other child still running is cancelled, and gather waits for them to end (as
///   Python 3.11's TaskGroup does; Python's gather leaves them running unobserved, which a frame that
///   owns its children cannot do). Later exceptions are dropped.
/// - The gather cancelled (its task cancelled while it waits): every child is cancelled, gather waits
///   for their end, then throws CancelledError (unless a child's exception came first).
///
/// @threadsafety Loop thread only; it lives in gather's coroutine frame, next to the children.
class GatherCore final : public Waiter {
 public:
  GatherCore(std::vector<TaskCore*> children, GatherSlots& slots);
  /// Stops watching the children still running.
  ~GatherCore() override;
  /// Waiter's await_resume; then rethrows the first child exception, or throws CancelledError if the
  /// gather itself was cancelled.
  void await_resume();

 private:
  /// Tells the core that child `index` ended.
  class ChildWatcher final : public TaskWatcher {
   public:
    ChildWatcher(GatherCore& core, std::size_t index) noexcept : core_(&core), index_(index) {}

   private:
    void task_done() override;
    void task_gone() noexcept override;
    GatherCore* core_;
    std::size_t index_;
  };

  void start() override;
  void stop() noexcept override;
  bool pass_cancel_on() override;
  /// Child `index` ended: collect its value or its exception; wake the gathering task after the last.
  void child_done(std::size_t index);
  /// Child `index`'s frame went away before it ended (counts as cancelled).
  void child_gone(std::size_t index) noexcept;
  /// cancel() every child that has not ended.
  void cancel_children() noexcept;

  std::vector<TaskCore*> children_;
  GatherSlots& slots_;
  std::vector<ChildWatcher> watchers_;  // watchers_[i] watches children_[i]; never resized
  std::vector<bool> ended_;             // ended_[i]: children_[i] has been counted
  std::size_t remaining_ = 0;           // children that have not ended
  std::exception_ptr error_;            // the first child exception
  bool cancelled_ = false;              // the gather itself was cancelled
};

/// gather(Task<Ts>...)'s typed half: the tasks and a slot for each result.
///
/// @threadsafety Loop thread only; it lives in gather's coroutine frame.
template <typename... Ts>
class TupleGather final : public GatherSlots {
 public:
  using Result = std::tuple<ValueOf<Ts>...>;

  explicit TupleGather(Task<Ts>... tasks) : tasks_(std::move(tasks)...) {}
  [[nodiscard]] std::vector<TaskCore*> cores() const {
    return std::apply([](const auto&... task) { return std::vector<TaskCore*>{&task.core()...}; }, tasks_);
  }
  void collect(std::size_t child, std::size_t slot) override { collect_child(child, slot, std::index_sequence_for<Ts...>{}); }
  /// The results, once every slot is filled (std::bad_optional_access if one is not).
  Result results() {
    return std::apply([](auto&... slot) { return Result(std::move(slot.value())...); }, results_);
  }

 private:
  // Runtime indices into a tuple: find the child's compile-time index, then the slot's.
  template <std::size_t... C>
  void collect_child([[maybe_unused]] std::size_t child, [[maybe_unused]] std::size_t slot, std::index_sequence<C...>) {
    ((child == C ? collect_into<C>(slot, std::index_sequence_for<Ts...>{}) : void()), ...);
  }
  template <std::size_t C, std::size_t... S>
  void collect_into([[maybe_unused]] std::size_t slot, std::index_sequence<S...>) {
    ((slot == S ? put<C, S>() : void()), ...);
  }
  template <std::size_t C, std::size_t S>
  void put() {
    using From = std::tuple_element_t<C, Result>;
    using To = std::tuple_element_t<S, Result>;
    if constexpr (std::is_same_v<From, To>) {
      std::get<S>(results_).emplace(std::get<C>(tasks_).take_result());
    } else {
      throw InvalidStateError("gather(): the result of argument " + std::to_string(C) + " does not fit slot " +
                              std::to_string(S));
    }
  }

  std::tuple<Task<Ts>...> tasks_;
  std::tuple<std::optional<ValueOf<Ts>>...> results_;
};

/// gather(std::vector<Task<T>>)'s typed half.
///
/// @threadsafety Loop thread only; it lives in gather's coroutine frame.
template <typename T>
class VectorGather final : public GatherSlots {
 public:
  using Result = std::vector<ValueOf<T>>;

  explicit VectorGather(std::vector<Task<T>> tasks) : tasks_(std::move(tasks)), results_(tasks_.size()) {}
  [[nodiscard]] std::vector<TaskCore*> cores() const {
    std::vector<TaskCore*> children;
    children.reserve(tasks_.size());
    for (const Task<T>& task : tasks_) children.push_back(&task.core());
    return children;
  }
  void collect(std::size_t child, std::size_t slot) override { results_.at(slot).emplace(tasks_.at(child).take_result()); }
  /// The results, once every slot is filled (std::bad_optional_access if one is not).
  Result results() {
    Result values;
    values.reserve(results_.size());
    for (std::optional<ValueOf<T>>& slot : results_) values.push_back(std::move(slot.value()));
    return values;
  }

 private:
  std::vector<Task<T>> tasks_;
  std::vector<std::optional<ValueOf<T>>> results_;
};

/// The coroutine of every gather: owns the children (in `state`, a parameter taken by value: CP.53),
/// waits with a GatherCore, returns the results.
template <typename State>
Task<typename State::Result> run_gather(State state) {
  GatherCore core(state.cores(), state);
  co_await core;
  co_return state.results();
}

}  // namespace detail

/// asyncio.gather(*aws): runs the tasks concurrently (scheduling those not scheduled yet) and gives
/// their values as a tuple in argument order (a Task<void> gives std::monostate). The first exception
/// (a cancellation included) is rethrown, after the other tasks were cancelled and have ended; see
/// detail::GatherCore. gather() takes the Tasks (move them in); it is itself a Task to co_await.
///
/// ```cpp
/// auto [a, b] = co_await gather(fetch("a"), fetch("b"));   // both at once
/// ```
template <typename... Ts>
[[nodiscard]] Task<std::tuple<detail::ValueOf<Ts>...>> gather(Task<Ts>... tasks) {
  return detail::run_gather(detail::TupleGather<Ts...>(std::move(tasks)...));
}

/// asyncio.gather(*tasks) over a list: the values as a vector, in the order of `tasks`.
template <typename T>
[[nodiscard]] Task<std::vector<detail::ValueOf<T>>> gather(std::vector<Task<T>> tasks) {
  return detail::run_gather(detail::VectorGather<T>(std::move(tasks)));
}

}  // namespace threadlings::lesson11
