#pragma once
// A condition to wait for on one executor, without polling: waiters sleep on their own timer
// until their deadline, and notify() cancels every such timer (a timer cancelled is the
// notification). Each waiter checks its own predicate again when woken, so one signal serves
// every condition of its owner (a probe token back, a link up, stop) and none is missed: the
// predicate is checked and the timer armed without yielding to the executor in between.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>

#include "core/clock.hpp"

namespace sse::redis {

class wake_signal {
 public:
  using executor_type = boost::asio::any_io_executor;
  using time_point = std::chrono::steady_clock::time_point;

  /// Deadlines are read on `clock` (not owned, it must outlive the signal; null: the process's
  /// steady clock). With a manual clock a wait ends at notify() once the clock is past its
  /// deadline: advancing the clock wakes nobody by itself.
  explicit wake_signal(executor_type ex, const core::monotonic_clock* clock = nullptr)
      : ex_(std::move(ex)), clock_(clock != nullptr ? *clock : own_clock_) {}
  wake_signal(const wake_signal&) = delete;
  wake_signal& operator=(const wake_signal&) = delete;

  /// Waits until done() is true or deadline passes, and returns done(). done() is checked at
  /// once and after every notify(). On the executor; the signal must outlive the wait.
  boost::asio::awaitable<bool> wait(time_point deadline, std::function<bool()> done);

  /// Now on the signal's clock: deadlines given to wait() are read against it.
  time_point now() const noexcept { return clock_.now(); }

  /// Wakes every current waiter (each checks its predicate again). On the executor.
  void notify();

 private:
  executor_type ex_;
  core::steady_clock own_clock_;
  const core::monotonic_clock& clock_;
  std::list<boost::asio::steady_timer*> waiters_;
};

}  // namespace sse::redis
