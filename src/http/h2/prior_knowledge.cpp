#include "http/h2/prior_knowledge.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "core/clock.hpp"
#include "http/connection_streams.hpp"
#include "http/h1/connection.hpp"
#include "http/h2/connection.hpp"
#include "http/h2/preface.hpp"
#include "http/open_gauge.hpp"
#include "http/read_deadline.hpp"

namespace sse::http::h2 {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

enum class first_bytes { http2, http1, none };

/// Peeks until the first bytes tell, within `limit` on `clock`. `none`: nothing came (EOF,
/// reset, or no byte in time), which HTTP/1.1 would close silently too; a preface cut short in
/// time goes to HTTP/1.1, whose reader answers what it got.
net::awaitable<first_bytes> peek_first_bytes(tcp::socket& socket,
                                             std::chrono::steady_clock::duration limit,
                                             const core::monotonic_clock& clock) {
  const auto deadline = clock.now() + limit;
  std::array<char, client_preface.size()> buf;
  for (;;) {
    // Relative to the injected clock: the read deadline's timer runs on real steady time.
    const auto left = deadline - clock.now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      co_return first_bytes::http1;  // only after a partial preface
    }
    std::size_t n = 0;
    {
      read_deadline bound(socket, left);
      auto [ec, got] = co_await socket.async_receive(net::buffer(buf), tcp::socket::message_peek,
                                                     net::as_tuple(net::use_awaitable));
      if (ec || got == 0) {
        co_return first_bytes::none;
      }
      n = got;
    }
    switch (match_preface({buf.data(), n})) {
      case preface_match::yes:
        co_return first_bytes::http2;
      case preface_match::no:
        co_return first_bytes::http1;
      case preface_match::need_more: {
        // The bytes peeked stay readable, so waiting for more is a short pause, not a read.
        net::steady_timer pause(socket.get_executor(), std::chrono::milliseconds(5));
        co_await pause.async_wait(net::as_tuple(net::use_awaitable));
        break;
      }
    }
  }
}

}  // namespace

net::awaitable<void> run_plain_session(worker_context& w, tcp::socket socket) {
  const auto& cfg = w.svc().cfg;
  if (!cfg.http2) {
    co_await h1::run_session(w, std::move(socket));
    co_return;
  }
  first_bytes first = first_bytes::none;
  {
    // Registered while it waits, so that shutdown closes it as it closes an idle HTTP/1.1
    // connection (phase reading). The first request's header timeout counts from the accept,
    // as over HTTP/1.1 alone.
    worker_context::registration waiting(w, socket);
    // Counted while it waits, then by h1's or h2's session, with no gap between.
    open_gauge counted(w.svc().metrics.http_connections_open);
    first = co_await peek_first_bytes(socket, std::min(cfg.header_timeout, cfg.request_timeout),
                                      w.svc().steady);
  }
  switch (first) {
    case first_bytes::none:
      finish_socket(socket);
      co_return;
    case first_bytes::http1:
      co_await h1::run_session(w, std::move(socket));
      co_return;
    case first_bytes::http2:
      break;
  }
  worker_context::registration reg(w, socket);
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  co_await serve(w, reg, socket);
  finish_socket(socket);
}

}  // namespace sse::http::h2
