#pragma once
// The TLS layer of a connection on the HTTPS port (--tls-cert), under whatever framing serves
// it: the server handshake (plain HTTP detected by its first byte and refused), and the close.
// Private to the connection's .cpp files (Beast's ssl_stream, see connection_streams.hpp).

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "http/connection_streams.hpp"
#include "http/services.hpp"

namespace sse::http {

enum class handshake_result { done, plaintext, timed_out, failed };

/// Waits for the client's first byte (without taking it), then does the server handshake; both
/// within `limit` (a connection that never handshakes is a slow loris). `error` says why not.
boost::asio::awaitable<handshake_result> tls_handshake(tls_stream& stream,
                                                       std::chrono::steady_clock::duration limit,
                                                       std::string& error);

/// The handshake of a served connection, with its failures logged and counted: plain HTTP is
/// answered 400 tls_required in plain text (counted as a bad request), no handshake in time is
/// a request_timeout limit. True: go on; false: the connection is finished and closed.
boost::asio::awaitable<bool> start_tls(services& s, tls_stream& stream,
                                       std::chrono::steady_clock::duration limit);

/// The TLS close: our close_notify (bounded wait), then FIN.
boost::asio::awaitable<void> close_tls(tls_stream& stream);

}  // namespace sse::http
