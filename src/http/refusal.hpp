#pragma once
// Every answer the connection layer gives instead of serving a request: a connection over a
// limit, plain HTTP on the HTTPS port, and a request that could not be read (too slow, too
// large, malformed, ambiguous framing). One function, so each has one status, code and message
// whatever framing writes it. Pure (tests/unit/http/refusal_test.cpp).

#include <cstddef>
#include <string_view>

#include "http/message.hpp"

namespace sse::http {

enum class refusal {
  connection_limit,   ///< --max-connections: 503 too_many_connections, Retry-After: 1
  address_limit,      ///< --max-connections-per-ip: 429, Retry-After: 1
  tls_required,       ///< plain HTTP on the HTTPS port: 400 tls_required
  request_timeout,    ///< part of a request came, the rest not in time: 408
  headers_too_large,  ///< --max-header-bytes / --max-header-count: 431
  body_too_large,     ///< --max-body-bytes: 413 too_large (detail: the limit in bytes)
  malformed,          ///< the parser refused it: 400 bad_request (detail: the parser's words)
  bad_framing,        ///< a header block a server must refuse: 400 bad_request (detail: why)
};

/// The response for `why`: a JSON error, `close` set (after a refusal the connection ends:
/// where a next request would start is unknown, or the connection was never taken).
/// `detail` completes the message where the list above says so.
response refuse(refusal why, std::string_view detail = {});

/// The 429 code of a connection refused for its address.
inline constexpr std::string_view address_limit_code = "too_many_connections_from_address";

}  // namespace sse::http
