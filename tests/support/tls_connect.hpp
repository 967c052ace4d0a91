#pragma once
// Internal to the harness: the client side of a TLS handshake with a deadline, shared by
// http_client and sse_client.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "tls_client_config.hpp"

namespace sse::test::detail {

using tls_socket_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

/// A client context that trusts only config.ca_pem (TLS 1.2+, peer verification on, ALPN as
/// configured). Throws std::runtime_error when the PEM does not load.
std::shared_ptr<boost::asio::ssl::context> make_client_context(const tls_client_config& config);

/// Handshakes `stream` (over a connected socket) as a client: SNI and certificate check for
/// config.server_name (else `host`). Throws std::runtime_error naming the reason on failure or
/// timeout.
void tls_handshake(boost::asio::io_context& io, tls_socket_stream& stream,
                   const tls_client_config& config, const std::string& host,
                   std::chrono::milliseconds timeout);

/// The ALPN protocol the server selected ("" when none).
std::string negotiated_alpn(tls_socket_stream& stream);

}  // namespace sse::test::detail
