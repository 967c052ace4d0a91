#pragma once
// The request handlers of API v1: request value in, response value out.
// No Beast and no sockets here, so they run in tests against a memory store.

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "http/api_error.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace sse::http {

/// The answer to a request on /v1/streams/{id}... whose id the API does not serve that way, or
/// nullopt to go on: 400 invalid_stream_id for an id that is not 1-128 characters of
/// [A-Za-z0-9._:-] or that starts with "relay:" (the scope names of relay routes are never
/// streams), 403 relay_stream_read_only for an append, end, PUT or DELETE on a "relay." stream
/// (only relay mode writes there; reading and cancelling are allowed). Preflights and methods
/// the route answers 405 go on. The session checks it before access control and limits, so that
/// a rejected token's telemetry never names a malformed id (raw bytes such as `%FF` would
/// otherwise reach the JSON-lines log), and no token decides about these ids.
std::optional<response> stream_id_refusal(const route_match& route, method m);

/// Answers every request route_request calls request_kind::answer (not a stream). Never throws for
/// bad input: every error becomes its JSON error response. CORS headers are added later, by the
/// session, to every response alike. Runs on the calling worker.
boost::asio::awaitable<response> handle_request(services& s, const route_match& route,
                                                request& req);

}  // namespace sse::http
