#pragma once
// What an SSE writer waits on between writes: "something changed" (ring()), a deadline (the next
// heartbeat, a token's expiry, a store retry) or its coroutine's cancellation, whichever comes
// first.
//
// Why not a timer cancelled to wake the waiter (what this replaces): that costs a timer-queue
// removal and insertion under the reactor's lock, and often a timerfd update, for every delivered
// batch. Here a ring hands the stored completion handler to the executor (no allocation: it is
// kept in the object, and posted with its own recycling allocator), and the deadline timer is
// armed lazily: only when a wait needs an earlier deadline than the one already armed. Writes
// move the heartbeat's deadline later, so a busy stream's timer fires about once per heartbeat
// interval, finds the deadline has moved, and is armed once more; never once per event.
//
// Deadlines are times of an injected core::monotonic_clock (services::steady), so that tests can
// drive heartbeats and token expiry with simulated time. The real timer is armed for what is left
// until the deadline by that clock: with the process clock it fires at the deadline or just after
// (never before, so a heartbeat never costs a second arm); with a manual clock it merely wakes the
// waiter to look again.
//
// A wake may be spurious (an old deadline firing, a ring for something already handled): the
// waiter asks its state machine again after every wake. Single-threaded: everything on one
// executor. Held by a shared_ptr because a timer completion may still be queued after the owner
// is gone.

#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

#include "core/clock.hpp"
#include "http/completion_slot.hpp"

namespace sse::http {

class wakeup : public std::enable_shared_from_this<wakeup> {
 public:
  using time_point = core::steady_time_point;
  using executor_type = boost::asio::any_io_executor;

  /// `clock` (not owned) must outlive the wakeup.
  wakeup(executor_type ex, const core::monotonic_clock& clock)
      : timer_(std::move(ex)), clock_(clock) {}
  ~wakeup() = default;
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;

  /// Completes with no error at the next ring() or once `deadline` passed (either may be
  /// spurious), with operation_aborted when the waiting operation is cancelled. One waiter at
  /// a time. Signature void(boost::system::error_code).
  template <typename Token>
  auto async_wait(time_point deadline, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this, deadline](auto handler) { start(deadline, std::move(handler)); }, token);
  }

  /// Wakes the waiter, if one waits (else nothing: the owner looks at its state before it
  /// waits again, so nothing is missed).
  void ring() { complete({}); }

  /// How many times the deadline timer was armed (what this design keeps rare; tests read it).
  std::size_t arms() const noexcept { return arms_; }

  /// Disarms the deadline timer (the owner is done waiting for good).
  void close() {
    armed_until_ = time_point::max();
    timer_.cancel();
  }

 private:
  struct canceller {
    wakeup* self;
    void operator()(boost::asio::cancellation_type type) const {
      if (type != boost::asio::cancellation_type::none) {
        self->complete(boost::asio::error::operation_aborted);
      }
    }
  };

  template <typename Handler>
  void start(time_point deadline, Handler handler) {
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    waiter_.hold(std::move(handler));
    if (slot.is_connected()) {
      slot.template emplace<canceller>(canceller{this});
    }
    if (deadline < armed_until_) {
      arm(deadline);
    }
  }

  void complete(boost::system::error_code ec) { waiter_.post(timer_.get_executor(), ec); }

  void arm(time_point deadline) {
    armed_until_ = deadline;
    ++arms_;
    // A wait for a later deadline ends operation_aborted. What is left is read before the timer
    // reads its own clock, so with the process clock the timer never fires early.
    timer_.expires_after(std::max(deadline - clock_.now(), time_point::duration::zero()));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) {
        self->armed_until_ = time_point::max();
        self->ring();
      }
    });
  }

  boost::asio::steady_timer timer_;
  const core::monotonic_clock& clock_;
  time_point armed_until_ = time_point::max();
  // The waiting handler, in place: an awaitable coroutine's is a pointer (see completion_slot).
  handler_slot<boost::system::error_code> waiter_;
  std::size_t arms_ = 0;
};

}  // namespace sse::http
