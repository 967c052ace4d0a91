#pragma once
// POST /v1/relay/{route}: the steps both of its answers share (the 201 JSON and, with
// `Accept: text/event-stream`, the SSE answer), so that neither can skip a check.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <variant>

#include "auth/limits.hpp"
#include "http/message.hpp"
#include "http/services.hpp"
#include "ops/relay_service.hpp"

namespace sse::http {

using ops::relay_cancelled;
using ops::relay_started;

/// Runs, in this order: the stream id (relay_service::stream_id: relay.<route>.<key>), the
/// node's --max-streams (503, Retry-After: 5, before any upstream call), with `place` a
/// subscriber place on the stream (--max-subscribers-per-stream: the SSE answer is a
/// subscriber), then relay_service::start. For the SSE answer of a POST that found its stream
/// already there (a retry), the token must also allow `subscribe` on it: reading a stream
/// takes having created it in this very request, or subscribe scope.
/// Answers the started call, or the response to send instead. Needs s.relay. Worker thread.
boost::asio::awaitable<std::variant<relay_started, response>> begin_relay(
    services& s, const std::string& route, request& req, auth::counted_hold* place);

}  // namespace sse::http
