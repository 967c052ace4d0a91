#pragma once
// Beast-free request and response values. The router and the v1 handlers work on these, so they are
// testable without sockets and our headers never include Beast (it stays in a few .cpp files, which
// keeps compile times down); the session converts from and to Beast messages at the edge.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sse::http {

enum class method { get, head, post, put, delete_, options, other };

using header_list = std::vector<std::pair<std::string, std::string>>;

/// A parsed request. Only the headers the gateway reads are kept.
struct request {
  method verb = method::other;
  std::string method_name;  ///< the method as sent ("GET"), for the access log
  std::string target;       ///< raw request-target: path and query
  std::string body;
  std::string content_type;
  std::optional<std::string> accept;           ///< absent: the client accepts anything
  std::optional<std::string> last_event_id;    ///< the SSE resume header
  std::optional<std::string> accept_encoding;  ///< compressed SSE
  std::optional<std::string> cache_control;    ///< `no-transform` keeps SSE uncompressed
  std::optional<std::string> producer_seq;
  std::optional<std::string> authorization;  ///< never logged (it holds a token)
  std::optional<std::string> cookie;         ///< never logged
  /// Set by check_access when a token allowed the request: a subscription ends here.
  std::optional<std::chrono::system_clock::time_point> access_expires;
  std::optional<std::string> idempotency_key;  ///< POST /v1/relay/{route}
  std::optional<std::string> origin;           ///< a browser's page origin (CORS)
  /// Access-Control-Request-Method: with `origin` on an OPTIONS, the request is a preflight.
  std::optional<std::string> cors_request_method;
  /// Every header as sent, kept only for Durable Streams paths (/v1/stream/...), whose
  /// protocol reads headers the v1 API does not (Stream-*, Producer-*, If-None-Match).
  header_list durable_headers;
};

/// A complete (non-streaming) response.
struct response {
  unsigned status = 200;
  std::string content_type;  ///< empty: no Content-Type (e.g. 204)
  std::string body;
  header_list headers;  ///< extra headers (Allow, Retry-After, CORS, ...)
  bool close = false;   ///< send `Connection: close` and close after writing
};

/// The head of a streamed answer (SSE): status and fields only, framing-neutral. The framing
/// writes it as its protocol says (HTTP/1.1, h1/stream_framing: the status line, `Server`, these
/// fields, then chunked framing or `Connection: close`) and frames the body bytes that follow.
struct stream_head {
  unsigned status = 200;
  header_list fields;  ///< written in this order, Content-Type among them
  /// The connection ends with this answer. HTTP/1.1: `Connection: close`, the body runs to the
  /// close, unframed (as for every HTTP/1.0 stream); a framing with its own stream ends ignores it.
  bool close = false;
};

}  // namespace sse::http
