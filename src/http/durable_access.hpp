#pragma once
// Access control and limits on the Durable Streams door (/v1/stream/{path}), as API v1 applies
// them (README "Access control", "Limits"):
// - with --auth jwt: GET and HEAD (catch-up, long-poll, SSE) need `subscribe`, PUT, POST and
//   DELETE need `publish`, on the scope name "ds:<path>" (the path after /v1/stream/ as sent,
//   so `subscribe: ["ds:chat/*"]` covers /v1/stream/chat/...); a fork's PUT also needs
//   `subscribe` on its source (Stream-Forked-From). 401/403 as v1 answers them.
// - POST takes from the per-address append bucket (429), PUT is refused at --max-streams (503),
//   a live read (long-poll, SSE) holds one of the stream's --max-subscribers-per-stream places.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "auth/limits.hpp"
#include "durable/door.hpp"
#include "http/message.hpp"
#include "http/services.hpp"

namespace sse::http {

/// nullopt: the door may serve `req` (converted into `dr`, whose live_until is then the token's
/// expiry); `place` holds a live read's subscriber place until it goes. `stream_id` is set to
/// the store id once the path is valid (for the access log). Otherwise the refusal to answer
/// (an invalid path is left to the door, which answers 400 before touching any stream).
boost::asio::awaitable<std::optional<response>> admit_durable(services& s, request& req,
                                                              durable::request& dr,
                                                              const std::string& client_ip,
                                                              auth::counted_hold& place,
                                                              std::string& stream_id);

}  // namespace sse::http
