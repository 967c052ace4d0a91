#pragma once
// The life of one request once its framing delivered it, the same for every framing (HTTP/1.1
// today, HTTP/2 beside it): route, stream-id check, access, limits, then one switch over what
// the router returned: a handler's response, a subscription, or a relay call answered with its
// stream. The framing reads the request, writes the response, and hands the subscription an
// sse_transport (the SSE sink) through an exchange; it never sees routes or handlers, and
// nothing here knows how bytes are framed.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "http/message.hpp"
#include "http/sse_session.hpp"
#include "http/sse_transport.hpp"
#include "http/worker_context.hpp"

namespace sse::http {

/// What the framing provides for one request, beyond the request value.
class exchange {
 public:
  /// The request becomes a stream: the framing gives back what reading it took (a long-lived
  /// SSE connection should cost little) and hands over the sink that the answer's head, body
  /// and end are written to (the framing of those bytes is the sink's).
  virtual sse_transport& open_sse() = 0;

 protected:
  ~exchange() = default;
};

/// Facts of one request that are not in its headers.
struct request_info {
  std::string client_ip;  ///< "" when unknown; per-address limits and the access log
  /// On services::steady: resume latency and the access log's duration count from here.
  core::steady_time_point received;
};

/// What the access log needs to know of a request beyond its response.
struct access_note {
  std::string stream_id;    ///< once the id passed validation
  std::string relay_route;  ///< POST /v1/relay/{route}
  std::uint64_t streamed_bytes =
      0;  ///< an SSE answer: every byte of the stream (set by the framing)
};

/// What serving a request came to: an answer to write (the connection may go on), a subscribe's
/// stream for the framing to run (then the connection is finished), or neither: it streamed to
/// its end already (a Durable Streams live read; the connection is finished).
struct served {
  served(response r) : answer(std::move(r)) {}                 // NOLINT: implicit by design
  served(std::optional<response> r) : answer(std::move(r)) {}  // NOLINT: nullopt: streamed
  served(ready_stream s) : stream(std::move(s)) {}             // NOLINT
  std::optional<response> answer;
  std::optional<ready_stream> stream;
};

/// Serves one request read without error. Worker thread; never throws for bad input.
boost::asio::awaitable<served> serve_request(worker_context& w, session_entry& entry, exchange& ex,
                                             request& req, const request_info& info,
                                             access_note& note);

/// One SseAccess line (--access-log) for a request whose answer is written (or streamed).
void log_access(services& s, const request& req, const request_info& info, unsigned status,
                std::uint64_t bytes, const access_note& note);
/// The same for a request of which only the method and target are kept (a stream's, logged
/// when it ends).
void log_access(services& s, std::string_view method, std::string_view target,
                const request_info& info, unsigned status, std::uint64_t bytes,
                const access_note& note);

}  // namespace sse::http
