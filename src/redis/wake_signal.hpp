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

namespace sse::redis {

class wake_signal {
 public:
  using executor_type = boost::asio::any_io_executor;
  using time_point = std::chrono::steady_clock::time_point;

  explicit wake_signal(executor_type ex) : ex_(std::move(ex)) {}
  wake_signal(const wake_signal&) = delete;
  wake_signal& operator=(const wake_signal&) = delete;

  /// Waits until done() is true or deadline passes, and returns done(). done() is checked at
  /// once and after every notify(). On the executor; the signal must outlive the wait.
  boost::asio::awaitable<bool> wait(time_point deadline, std::function<bool()> done);

  /// Wakes every current waiter (each checks its predicate again). On the executor.
  void notify();

 private:
  executor_type ex_;
  std::list<boost::asio::steady_timer*> waiters_;
};

}  // namespace sse::redis
