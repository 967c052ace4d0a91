#pragma once
// CORS: which page origins a browser lets read the gateway's answers (--cors-origin). One
// function adds every CORS header of a response, and it is called once per response (by the
// session, or by the SSE subscription for its stream head): browsers refuse an answer whose
// Access-Control-Allow-Origin appears twice.

#include <string_view>

#include "config/cors_origins.hpp"
#include "http/message.hpp"

namespace sse::http {

/// The headers a preflight may ask for: the SSE resume header, JSON bodies, the producer's
/// retry position, bearer tokens and the relay's idempotency key.
inline constexpr std::string_view cors_allowed_headers =
    "Last-Event-ID, Content-Type, Producer-Seq, Authorization, Idempotency-Key";

/// Response headers a page may read besides the safelisted ones (Stream-Id: a relay POST read
/// with fetch names its stream there).
inline constexpr std::string_view cors_exposed_headers = "Retry-After, Allow, Stream-Id";

/// The same two lists on the Durable Streams door (/v1/stream/...), whose protocol speaks in
/// headers: a page sends Stream-* and Producer-* on writes and If-None-Match on cached reads
/// (Last-Event-ID: EventSource's reconnect), and reads its position (Stream-Next-Offset,
/// Stream-Cursor, Stream-Up-To-Date, ETag), a stream's state and a producer's verdict from the
/// answers; without them in the lists a browser hides them or refuses the request.
inline constexpr std::string_view durable_allowed_headers =
    "Last-Event-ID, Content-Type, Authorization, If-None-Match, Stream-Seq, Stream-TTL, "
    "Stream-Expires-At, Stream-Closed, Stream-Forked-From, Stream-Fork-Offset, "
    "Stream-Fork-Sub-Offset, Producer-Id, Producer-Epoch, Producer-Seq";
inline constexpr std::string_view durable_exposed_headers =
    "Retry-After, Allow, Location, ETag, Stream-Next-Offset, Stream-Up-To-Date, Stream-Cursor, "
    "Stream-Closed, Stream-TTL, Stream-Expires-At, Stream-SSE-Data-Encoding, Producer-Epoch, "
    "Producer-Seq, Producer-Expected-Seq, Producer-Received-Seq";

/// Adds the comma-separated `tokens` to the one `Vary` field of `h` (created when there is none),
/// each unless it is listed already (compared case-insensitively). Two Vary fields would be
/// legal, but a head whose CORS `Vary: Origin` replaced the compression's `Vary: Accept-Encoding`
/// told caches a compressed answer fits every client; one merged field cannot lose either.
void merge_vary(header_list& h, std::string_view tokens);

/// True for a request-target on the Durable Streams door, which gets the durable_* lists.
bool is_durable_target(std::string_view target);

/// Adds the CORS headers of `res`, the answer to `req`, each at most once (a `Vary` already in
/// `res` gets `Origin` appended):
/// - nothing when `origins` is empty (CORS off);
/// - `Vary: Origin` whenever origins are listed (the answer depends on the request's Origin,
///   even when it has none), never with `*`;
/// - for a request whose Origin is listed (compared case-insensitively; `null` only when listed)
///   or with `*`: `Access-Control-Allow-Origin` (the request's origin, or `*`), and with listed
///   origins `Access-Control-Allow-Credentials: true` (a listed origin may send cookies, as
///   EventSource with `withCredentials` does for --auth-cookie); then
///   - for a preflight (OPTIONS with Access-Control-Request-Method) answered 2xx:
///     `Access-Control-Allow-Methods` (the route's methods, taken from res's `Allow`),
///     `Access-Control-Allow-Headers` (durable_allowed_headers on /v1/stream/..., else
///     cors_allowed_headers), each unless `res` has it already, and `Access-Control-Max-Age`. A
///     preflight answered otherwise (404: no such route or the feature is off) gets no CORS header
///     but `Vary`: it grants nothing;
///   - for any other request: `Access-Control-Expose-Headers` (durable_exposed_headers on
///     /v1/stream/..., else cors_exposed_headers).
/// Pure; any thread.
void add_cors_headers(const config::cors_origins& origins, const request& req, response& res);

}  // namespace sse::http
