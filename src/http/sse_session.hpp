#pragma once
// The subscribe flow, GET /v1/streams/{id}/events: resume point, hub subscription, replay, then
// live frames with heartbeats, until the end event, the client's departure, the stream's deletion
// or shutdown.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <variant>

#include "auth/limits.hpp"
#include "core/clock.hpp"
#include "http/message.hpp"
#include "http/sse_transport.hpp"
#include "http/worker_context.hpp"

namespace sse::http {

class sse_subscription;

/// A subscribe whose checks passed and whose first frames are chosen: nothing is written yet.
/// The framing runs it from the connection's top level. A stream lasts minutes or hours, and the
/// coroutine frames of the request path that led to it (the request loop's, routing, checks,
/// the resume decision) would otherwise stay allocated under it all that time: they were about
/// a third of what an idle SSE connection costs.
class ready_stream {
 public:
  ready_stream(std::unique_ptr<sse_subscription> subscription, auth::counted_hold place);
  ready_stream(ready_stream&&) noexcept;
  ready_stream& operator=(ready_stream&&) noexcept;
  ready_stream(const ready_stream&) = delete;
  ready_stream& operator=(const ready_stream&) = delete;
  ~ready_stream();

  /// Streams until the end event, the client's departure, deletion, a slow drop or shutdown
  /// (worker thread; once; the ready_stream outlives the await). The connection is finished
  /// afterwards and must be closed.
  boost::asio::awaitable<void> run();

 private:
  auth::counted_hold place_;  // one of its stream's subscriber places, held while it streams
  std::unique_ptr<sse_subscription> subscription_;  // declared after place_: ends before it
};

/// Prepares a subscribe on the connection `io` (worker thread). A response when the subscribe is
/// answered without a stream (400 bad_resume_point, 404, 406, 204 for a finished stream, 503):
/// the caller writes it and may keep the connection. Otherwise the stream to run. `received` is
/// when the request arrived (resume latency counts from it); `place` is the subscriber place the
/// stream holds.
boost::asio::awaitable<std::variant<response, ready_stream>> open_subscribe(
    worker_context& w, session_entry& entry, sse_transport& io, const std::string& stream_id,
    const request& req, core::steady_time_point received, auth::counted_hold place,
    bool announce_stream_id = false);

}  // namespace sse::http
