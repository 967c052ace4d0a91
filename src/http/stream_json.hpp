#pragma once
// JSON answers about a stream (GET /v1/streams/{id}). Pure.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "store/store.hpp"

namespace sse::http {

/// RFC 3339 UTC with milliseconds: "2026-09-21T08:53:20.000Z".
std::string format_rfc3339(core::time_point t);

/// {"stream","epoch","status","last_seq","first_seq","buffered_count","buffered_bytes",
///  "trimmed_count","buffer_limit","buffer_max_bytes","created_at","created_at_ms",
///  "updated_at","updated_at_ms","expires_in_seconds"}
boost::json::object stream_info_json(std::string_view id, const store::stream_info& info);

}  // namespace sse::http
