#pragma once
// One HTTP/1.1 connection: a straight loop shaped like Beast's awaitable do_session (read,
// serve, write, repeat), one coroutine per connection, no callback chains. It owns the framing
// only: the request reader, the response serializer and the SSE sink over its stream; what a
// request does is request_life.hpp's serve_request.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string_view>

#include "http/refusal.hpp"
#include "http/worker_context.hpp"
#include "telemetry/metrics.hpp"

namespace boost::asio::ssl {
class context;
}

namespace sse::http::h1 {

/// Serves requests on `socket` until the client closes, a timeout, an error, a finished SSE
/// stream or shutdown; keep-alive between requests. Runs on w's worker; never throws for I/O or
/// bad input.
boost::asio::awaitable<void> run_session(worker_context& w, boost::asio::ip::tcp::socket socket);

/// run_session over TLS (--tls-cert): tls_layer's handshake first, within the header timeout;
/// the connection ends with a TLS close_notify (bounded wait). `tls` is shared by every
/// connection and outlives them.
boost::asio::awaitable<void> run_tls_session(worker_context& w, boost::asio::ip::tcp::socket socket,
                                             boost::asio::ssl::context& tls);

/// Answers a refused connection (refusal::connection_limit: 503; refusal::address_limit: 429)
/// and closes it.
boost::asio::awaitable<void> reject_session(boost::asio::ip::tcp::socket socket, refusal why,
                                            telemetry::metrics& metrics);

/// reject_session over TLS: handshake (at most `handshake_limit`), then the same answer.
boost::asio::awaitable<void> reject_tls_session(boost::asio::ip::tcp::socket socket,
                                                boost::asio::ssl::context& tls, refusal why,
                                                std::chrono::steady_clock::duration handshake_limit,
                                                telemetry::metrics& metrics);

}  // namespace sse::http::h1
