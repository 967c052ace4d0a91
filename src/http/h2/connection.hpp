#pragma once
// One HTTP/2 connection: one coroutine that feeds what it reads to the nghttp2 session and
// writes what the session has to send (one write in flight), and one coroutine per request
// stream running the same serve_request as HTTP/1.1. Private to src/http (it names the
// connection's stream types).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/connection_streams.hpp"
#include "http/worker_context.hpp"

namespace sse::http::h2 {

/// Serves HTTP/2 on a plain connection whose client sent the preface (still unread: the
/// session reads it). Returns when the connection is finished; closes nothing.
boost::asio::awaitable<void> serve(worker_context& w, worker_context::registration& reg,
                                   boost::asio::ip::tcp::socket& socket);
/// The same over TLS, after a handshake whose ALPN chose `h2`.
boost::asio::awaitable<void> serve(worker_context& w, worker_context::registration& reg,
                                   tls_stream& stream);

/// Whether the TLS handshake chose `h2` by ALPN.
bool alpn_chose_h2(tls_stream& stream);

}  // namespace sse::http::h2
