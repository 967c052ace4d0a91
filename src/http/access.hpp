#pragma once
// Access control at the HTTP edge: which action a route and method need, where the token is, and
// the 401/403 answers with their telemetry. The checks themselves are src/auth.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "auth/authenticator.hpp"
#include "auth/limits.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/services.hpp"

namespace sse::http {

/// nullopt: go on (no access control, a route without it, or allowed; then req.access_expires
/// is set). Otherwise the 401 or 403 to answer; SseAuthRejected was emitted, without the token.
std::optional<response> check_access(services& s, const route_match& route, request& req);

/// A `subscribe` check of the request's token on `stream_id` (where check_access checked
/// another action): the relay POST's SSE answer for a stream this request did not create.
/// nullopt: allowed (req.access_expires is then the earlier of both expiries), or no access
/// control. Otherwise the 401 or 403 to answer.
std::optional<response> check_subscribe_access(services& s, const std::string& stream_id,
                                               request& req);

/// The Durable Streams door's check (http/durable_access.cpp decides the action): the request's
/// token for `a` on the path after /v1/stream/ (scope "ds:<path>"); `stream` names the request
/// in telemetry. nullopt: allowed (req.access_expires set) or no access control.
std::optional<response> check_durable_token(services& s, auth::action a, std::string_view path,
                                            const std::string& stream, request& req);

/// The per-request limits: the append token bucket per client IP (429 with Retry-After; relay POSTs
/// take from it too) and the node's stream count for requests that would create a stream (503).
/// nullopt: go on. Each refusal is counted in metrics.
boost::asio::awaitable<std::optional<response>> check_limits(services& s, const route_match& route,
                                                             const request& req,
                                                             const std::string& client_ip);

/// 503 `too_many_streams` (Retry-After: 5) when the node holds --max-streams streams and
/// `stream_id` is not one of them. nullopt: go on.
boost::asio::awaitable<std::optional<response>> check_stream_room(services& s,
                                                                  const std::string& stream_id);

/// Takes one subscriber place of `stream_id` into `hold` (released when hold goes). A response
/// (503) when the stream already has --max-subscribers-per-stream subscribers on this node.
std::optional<response> take_subscriber_place(services& s, const std::string& stream_id,
                                              auth::counted_hold& hold);

/// The final frame of an SSE response whose token expired (`event: auth_expired`). Not
/// `error`: EventSource fires its own `error` event for every connection failure, so a page
/// could not tell the gateway's message from the reconnect's 401.
std::string token_expired_frame();

}  // namespace sse::http
