#pragma once
// The HTTP layer's one hook into the Durable Streams door (src/durable): converts a request to
// the door's values and its replies back, and gives a live=sse read the connection to write to.
// Kept to this file so that it can move with the session's structure.

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "http/message.hpp"
#include "http/request_life.hpp"
#include "http/services.hpp"
#include "http/worker_context.hpp"

namespace sse::http {

/// Serves a request under /v1/stream/, after its access control and limits
/// (http/durable_access.hpp). nullopt: an SSE answer was streamed (through the exchange's sink)
/// and the connection is finished (closed by the caller). `note` gets the store id. A live read
/// is registered on `entry` for shutdown, which ends it as at its timeout.
boost::asio::awaitable<std::optional<response>> serve_durable(services& s, session_entry& entry,
                                                              exchange& ex, request& req,
                                                              const request_info& info,
                                                              access_note& note);

}  // namespace sse::http
