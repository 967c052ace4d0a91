#pragma once
// The plain port's choice between HTTP/1.1 and HTTP/2 with prior knowledge (RFC 9113 3.3):
// the first bytes are peeked, never consumed, so that either framing reads the connection from
// its start. Never the `Upgrade: h2c` dance (a request smuggled past proxies that do not know
// it).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/worker_context.hpp"

namespace sse::http::h2 {

/// Serves a plain connection: HTTP/2 when --http2 is on and it starts with the connection
/// preface, else HTTP/1.1 (h1::run_session) as before. Runs on w's worker.
boost::asio::awaitable<void> run_plain_session(worker_context& w,
                                               boost::asio::ip::tcp::socket socket);

}  // namespace sse::http::h2
