#pragma once
// A live read's watch on its stream: the store's listener callbacks only post a wake-up, and the
// reader waits for one with a deadline.

#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "durable/door.hpp"
#include "store/store.hpp"

namespace sse::durable::detail {

/// Wakes a long-poll or SSE read when its stream gets a batch (listener callbacks only post).
struct wake_state {
  explicit wake_state(boost::asio::any_io_executor ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  bool pending = false;
};

class wake_listener final : public store::live_listener {
 public:
  wake_listener(std::shared_ptr<wake_state> state, boost::asio::any_io_executor ex)
      : state_(std::move(state)), ex_(std::move(ex)) {}
  void on_events(std::shared_ptr<const stream::event_batch>) override { poke(); }
  void on_stream_gone(const std::string&) override { poke(); }
  void on_resync(const std::string&) override { poke(); }

 private:
  void poke() {
    boost::asio::post(ex_, [s = state_] {
      s->pending = true;
      s->timer.cancel();
    });
  }
  std::shared_ptr<wake_state> state_;
  boost::asio::any_io_executor ex_;
};

/// Watches a stream for the life of a live read; a requested live_stop ends its waits.
/// Deadlines are read on `clock` (the door's; it must outlive the watch).
class live_watch {
 public:
  live_watch(store::store& store, std::string id, boost::asio::any_io_executor ex, live_stop* stop,
             const core::monotonic_clock& clock)
      : store_(store),
        id_(std::move(id)),
        state_(std::make_shared<wake_state>(ex)),
        listener_(state_, ex),
        stop_(stop),
        clock_(clock) {
    if (stop_ != nullptr) {
      stop_->set_wake([s = state_] { s->timer.cancel(); });
    }
  }
  ~live_watch() {
    if (stop_ != nullptr) {
      stop_->set_wake({});
    }
    if (watching_) {
      store_.unwatch(id_, &listener_);
    }
  }
  live_watch(const live_watch&) = delete;
  live_watch& operator=(const live_watch&) = delete;

  boost::asio::awaitable<bool> start() {
    auto r = co_await store_.watch(id_, &listener_);
    watching_ = r.has_value();
    co_return watching_;
  }
  /// Clears the wake-up flag before a read, so that a batch after the read is not missed.
  void arm() { state_->pending = false; }
  bool stopped() const noexcept { return stop_ != nullptr && stop_->requested(); }
  /// Waits until a batch arrives (true) or the deadline (on the clock) passes or the read is
  /// stopped (false). With a manual clock the wait ends once the clock is past the deadline and
  /// the timer next fires: advancing the clock wakes nobody by itself.
  boost::asio::awaitable<bool> wait_until(core::steady_time_point deadline) {
    for (;;) {
      if (state_->pending) {
        co_return true;
      }
      if (stopped()) {
        co_return false;
      }
      // Relative to the injected clock: the timer itself runs on real steady time.
      state_->timer.expires_after(
          std::max(deadline - clock_.now(), core::steady_time_point::duration::zero()));
      co_await state_->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (state_->pending || stopped() || clock_.now() >= deadline) {
        co_return state_->pending;
      }
    }
  }

 private:
  store::store& store_;
  std::string id_;
  std::shared_ptr<wake_state> state_;
  wake_listener listener_;
  live_stop* stop_;
  const core::monotonic_clock& clock_;
  bool watching_ = false;
};

}  // namespace sse::durable::detail
