#pragma once
// The JSON shape of one telemetry event, shared by the JSON-lines sink and test dumps.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "telemetry/sink.hpp"

namespace sse::telemetry {

/// `{"name":..,"ts":"2025-01-02T03:04:05.678Z","ts_ms":..,"node":..,"stream":..,<fields>}`.
/// `node` is omitted when node_id is empty, `stream` when e.stream is empty. Fields are merged
/// at the top level; a field whose key is one of the five above is kept as `field_<key>`, so the
/// envelope stays trustworthy and nothing is lost.
boost::json::object to_json(const event& e, std::string_view node_id);

/// to_json serialized on one line, followed by '\n'. Always valid UTF-8: an invalid sequence in
/// any string (stream, field values, keys) is written as U+FFFD.
std::string to_json_line(const event& e, std::string_view node_id);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

/// `s` with each byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

/// RFC 3339 UTC with milliseconds: 0 -> "1970-01-01T00:00:00.000Z".
std::string format_rfc3339_ms(long long unix_ms);

/// Milliseconds since the Unix epoch, from the system clock: for tests and tools that compare
/// real time with telemetry timestamps (src reads wall time through core::clock).
long long now_unix_ms() noexcept;

}  // namespace sse::telemetry
