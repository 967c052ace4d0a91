#pragma once
// The access log (--access-log): one SseAccess telemetry line per request, written when its
// response is (an SSE subscription: when its stream ends). Pure: the session fills the record.
//
// What never reaches it: the Authorization and Cookie headers (not in the record at all), and
// the value of a `token` or `access_token` query parameter (redact_target).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "telemetry/sink.hpp"

namespace sse::http {

struct access_record {
  std::string method;  ///< as sent; empty when the request could not be read
  std::string target;  ///< path and query as sent; redacted by access_event
  unsigned status = 0;
  std::uint64_t bytes = 0;  ///< written to the client: status line, headers and body
  std::chrono::steady_clock::duration duration{};  ///< from the request read to the last byte
  std::string client;                              ///< the peer's IP address
  std::string stream_id;    ///< a valid stream id the request was about; empty when none
  std::string relay_route;  ///< POST /v1/relay/{route}: the route's name
};

/// `target` with the value of each `token` / `access_token` query parameter (name compared
/// after percent-decoding, case-insensitively) replaced by `REDACTED`; the rest as it was.
std::string redact_target(std::string_view target);

/// The SseAccess event: stream = the stream id; fields method, path (redacted), status, bytes,
/// duration_ms (with fractions), client, and route for a relay call.
telemetry::event access_event(const access_record& r);

}  // namespace sse::http
