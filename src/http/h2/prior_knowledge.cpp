#include "http/h2/prior_knowledge.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "core/clock.hpp"
#include "http/h2/preface.hpp"
#include "http/read_deadline.hpp"

namespace sse::http::h2 {
namespace net = boost::asio;
using net::ip::tcp;

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

}  // namespace sse::http::h2
