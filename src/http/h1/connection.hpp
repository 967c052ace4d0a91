#pragma once
// One HTTP/1.1 connection: a straight loop shaped like Beast's awaitable do_session (read,
// serve, write, repeat), one coroutine per connection, no callback chains. It owns the framing
// only: the request reader, the response serializer and the SSE sink over its stream; what a
// request does is request_life.hpp's serve_request.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string_view>

#include "http/refusal.hpp"
#include "http/worker_context.hpp"

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
/// and closes it. Registered with w while it runs, as busy: shutdown lets the answer finish
/// within the grace and close_all() cuts it after.
boost::asio::awaitable<void> reject_session(worker_context& w, boost::asio::ip::tcp::socket socket,
                                            refusal why);

/// reject_session over TLS: handshake (at most the smaller of the header and request timeouts,
/// as a served connection's), then the same answer. A handshake still under way when shutdown
/// begins is cut at once, as a served connection's is.
boost::asio::awaitable<void> reject_tls_session(worker_context& w,
                                                boost::asio::ip::tcp::socket socket,
                                                boost::asio::ssl::context& tls, refusal why);

}  // namespace sse::http::h1
