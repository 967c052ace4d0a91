#pragma once
// The subscribe flow, GET /v1/streams/{id}/events: resume point, hub subscription, replay, then
// live frames with heartbeats, until the end event, the client's departure, the stream's deletion
// or shutdown.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/sse_transport.hpp"
#include "http/worker_context.hpp"

namespace sse::http {

/// Serves a subscribe on the connection `io` (worker thread). Returns a response when the subscribe
/// is answered without a stream (400 bad_resume_point, 404, 406, 204 for a finished stream, 503):
/// the caller writes it and may keep the connection. Returns nullopt once it has streamed: the
/// connection is then finished and must be closed.
/// `received` is when the request arrived (resume latency counts from it).
boost::asio::awaitable<std::optional<response>> serve_subscribe(
    worker_context& w, session_entry& entry, sse_transport& io, const std::string& stream_id,
    const request& req, std::chrono::steady_clock::time_point received,
    bool announce_stream_id = false);

}  // namespace sse::http
