#pragma once
// Writing one refusal as HTTP/1.1, for the connection layer's answers before or instead of a
// request loop (connection limits, plain HTTP on the HTTPS port). Private to src/http.

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "http/connection_streams.hpp"
#include "http/message.hpp"
#include "telemetry/metrics.hpp"

namespace sse::http::h1 {

/// Writes `answer` (with `Connection: close`) within a few seconds, counting its bytes as
/// HTTP/1.1's. The caller closes.
boost::asio::awaitable<boost::system::error_code> write_refusal(plain_stream& stream,
                                                                response answer,
                                                                telemetry::metrics& metrics);
boost::asio::awaitable<boost::system::error_code> write_refusal(tls_stream& stream, response answer,
                                                                telemetry::metrics& metrics);

}  // namespace sse::http::h1
