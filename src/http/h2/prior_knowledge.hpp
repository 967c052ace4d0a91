#pragma once
// The plain port's choice between HTTP/1.1 and HTTP/2 with prior knowledge (RFC 9113 3.3):
// the first bytes are peeked, never consumed, so that either framing reads the connection from
// its start. Never the `Upgrade: h2c` dance (a request smuggled past proxies that do not know
// it). The HTTP/1.1 session (h1::run_session) peeks before its first request, when --http2
// is on, and hands a connection that starts with the preface to h2::serve.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "core/clock.hpp"

namespace sse::http::h2 {

enum class first_bytes { http2, http1, none };

/// Peeks until the first bytes tell, within `limit` on `clock`. `none`: nothing came (EOF,
/// reset, or no byte in time), which HTTP/1.1 would close silently too; a preface cut short in
/// time goes to HTTP/1.1, whose reader answers what it got. Consumes nothing.
boost::asio::awaitable<first_bytes> peek_first_bytes(boost::asio::ip::tcp::socket& socket,
                                                     std::chrono::steady_clock::duration limit,
                                                     const core::monotonic_clock& clock);

}  // namespace sse::http::h2
