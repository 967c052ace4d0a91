#pragma once
// Parsing and validation of v1 request bodies and headers (events, NDJSON batches, create and
// end bodies, Producer-Seq). Pure: tests/unit/http/request_body_test.cpp.

#include <boost/json/value.hpp>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"
#include "http/api_error.hpp"
#include "store/store.hpp"
#include "stream/event.hpp"

namespace sse::http {

enum class body_format { json, ndjson };

/// The format of an append body from its Content-Type (media type compared case-insensitively,
/// parameters such as charset ignored): application/json or application/x-ndjson (also
/// application/ndjson). nullopt: the caller answers 415.
std::optional<body_format> event_body_format(std::string_view content_type) noexcept;

/// One event object {"data": string, "event"?: type, "priority"?: 0..3, "checkpoint"?: bool}.
/// Errors: invalid_event
/// (400) for any other member (named, with a hint for "id"), a wrong shape, a bad type or
/// priority, or a type
/// reserved for the gateway's own events (end, gap, reset, error); too_large (413) when data is
/// over max_event_bytes.
api_result<stream::new_event> parse_event_object(const boost::json::value& v,
                                                 std::size_t max_event_bytes);

/// The body of POST /v1/streams/{id}/events: json holds exactly one event object, ndjson one
/// object per line (LF or CRLF; blank lines ignored). The whole batch is rejected on the first
/// bad line, whose number (from 1) the message names. Errors: invalid_json, invalid_event,
/// too_large (an event over max_event_bytes, more than max_events events, or events whose
/// stream::event_size_bytes add up to more than max_batch_bytes: the message names the limit);
/// an empty batch is invalid_event.
api_result<std::vector<stream::new_event>> parse_event_body(
    std::string_view body, body_format f, std::size_t max_event_bytes,
    std::size_t max_events = std::numeric_limits<std::size_t>::max(),
    std::size_t max_batch_bytes = std::numeric_limits<std::size_t>::max());

/// The Producer-Seq header: absent → nullopt; else a decimal integer ≥ 1 (invalid_argument).
api_result<std::optional<seq_t>> parse_producer_seq(const std::optional<std::string>& header);

/// The server's caps on per-stream options (--max-buffer-limit, --max-ttl).
struct stream_option_caps {
  std::size_t max_buffer_limit = 65536;
  std::chrono::milliseconds max_ttl{std::chrono::hours(24 * 7)};
};

/// PUT body: empty, or {"buffer_limit": 1..caps.max_buffer_limit, "ttl_seconds": 1..caps.max_ttl
/// in seconds} (both optional). Errors: invalid_json, invalid_argument (naming the field: any
/// other member, "ttl" with the hint "ttl_seconds", a wrong type, a value over its cap with the
/// cap).
api_result<store::stream_options> parse_create_body(std::string_view body,
                                                    const stream_option_caps& caps = {});

/// End body: empty, or {"status": "completed"|"failed"|"cancelled"} (default completed).
/// Errors: invalid_json, invalid_argument (a bad status, any other member).
api_result<store::stream_status> parse_end_body(std::string_view body);

}  // namespace sse::http
