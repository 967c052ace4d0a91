#pragma once
// Small helpers of the SSE subscription (private to src/http).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace sse::http {

inline std::shared_ptr<const std::string> shared_frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

/// Runs a store or hub operation without the caller's cancellation: a client leaving while a
/// read is in flight must not cancel the store's own I/O half-way. The caller looks at its
/// state afterwards.
///
/// A coroutine that nothing can cancel (no cancellation slot connected above it: a request being
/// answered, an SSE writer) awaits the operation directly; the Durable Streams door's SSE read
/// runs under `||` and keeps the co_spawn. The co_spawn is a trip through the worker's queue and
/// a new coroutine thread: two of them made every subscribe (the hub's, then the store read) wait
/// behind all the deliveries queued on a busy worker.
template <class T>
boost::asio::awaitable<T> uncancellable(boost::asio::awaitable<T> op) {
  namespace net = boost::asio;
  const net::cancellation_state cs = co_await net::this_coro::cancellation_state;
  if (!cs.slot().is_connected()) {
    co_return co_await std::move(op);
  }
  auto ex = co_await net::this_coro::executor;
  co_return co_await net::co_spawn(
      ex, std::move(op), net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
}

}  // namespace sse::http
