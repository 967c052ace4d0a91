#pragma once
// The HTTP layer's one hook into the Durable Streams door (src/durable): converts a request to
// the door's values and its replies back, and gives a live=sse read the connection to write to.
// Kept to this file so that it can move with the session's structure.

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "http/message.hpp"
#include "http/request_life.hpp"
#include "http/services.hpp"

namespace sse::http {

/// Serves a request under /v1/stream/. nullopt: an SSE answer was streamed (through the
/// exchange's sink) and the connection is finished (closed by the caller).
boost::asio::awaitable<std::optional<response>> serve_durable(services& s, exchange& ex,
                                                              request& req);

}  // namespace sse::http
