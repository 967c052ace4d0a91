#pragma once
// Runs a coroutine on another executor (a connection's worker) and resumes the caller on its
// own. Unlike `co_await co_spawn(target, op, use_awaitable)`, nothing here keeps a work-tracking
// reference to the caller's io_context once the result is posted back: co_spawn's entry point
// still held one after resuming the caller, so a caller that destroyed its io_context right
// after (a test thread, a one-shot command) crashed the target's thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace sse::redis {

/// co_awaits make_op() on target and returns its value to the caller's executor.
/// make_op: a callable returning boost::asio::awaitable<T>; it is called on target.
template <class T, class MakeOp>
boost::asio::awaitable<T> run_on(boost::asio::any_io_executor target, MakeOp make_op) {
  namespace net = boost::asio;
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(T)>(
      [](auto handler, net::any_io_executor target, MakeOp make_op) {
        // Detached, yet not an orphan: the caller's coroutine is suspended on `handler` until
        // this posts the result back, so the caller's owner (which joins the caller) owns it.
        net::co_spawn(
            target,
            [make_op = std::move(make_op),
             handler = std::move(handler)]() mutable -> net::awaitable<void> {
              T value = co_await make_op();
              auto caller = net::get_associated_executor(handler);
              net::post(caller, [handler = std::move(handler), value = std::move(value)]() mutable {
                std::move(handler)(std::move(value));
              });
            },
            net::detached);
      },
      net::use_awaitable, std::move(target), std::move(make_op));
}

}  // namespace sse::redis
