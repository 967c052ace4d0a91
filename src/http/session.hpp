#pragma once
// One HTTP connection: a straight loop shaped like Beast's awaitable do_session (read, handle,
// write, repeat), one coroutine per connection, no callback chains.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string_view>

#include "http/worker_context.hpp"

namespace boost::asio::ssl {
class context;
}

namespace sse::http {

/// Serves requests on `socket` until the client closes, a timeout, an error, a finished SSE
/// stream or shutdown; keep-alive between requests. Runs on w's worker; never throws for I/O or
/// bad input.
boost::asio::awaitable<void> run_session(worker_context& w, boost::asio::ip::tcp::socket socket);

/// run_session over TLS (--tls-cert): the server handshake first, within the header timeout
/// (a connection that never handshakes is dropped and counted as a request_timeout limit); plain
/// HTTP on this port is answered 400 `tls_required` in plain text and closed (counted as a bad
/// request); the connection ends with a TLS close_notify (bounded wait). `tls` is shared by every
/// connection and outlives them.
boost::asio::awaitable<void> run_tls_session(worker_context& w, boost::asio::ip::tcp::socket socket,
                                             boost::asio::ssl::context& tls);

/// Answers a connection over --max-connections with 503 and closes it.
boost::asio::awaitable<void> reject_session(boost::asio::ip::tcp::socket socket);

/// Answers a refused connection with `status` (429 for --max-connections-per-ip), a JSON error
/// `code`, `Retry-After: 1`, and closes it.
boost::asio::awaitable<void> reject_session(boost::asio::ip::tcp::socket socket, unsigned status,
                                            std::string_view code);

/// reject_session over TLS: handshake (at most `handshake_limit`), then the same answers: 503
/// `too_many_connections` when status is 503, else `status` with `code`.
boost::asio::awaitable<void> reject_tls_session(
    boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, unsigned status,
    std::string_view code, std::chrono::steady_clock::duration handshake_limit);

}  // namespace sse::http
