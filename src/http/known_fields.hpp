#pragma once
// Strict JSON objects for the v1 API: a member the API does not know is refused, never ignored,
// so that a typo (`buffer_limt`) or a guess (`"ttl":"1h"`, an event's `"id"`) fails loudly
// instead of silently taking the default. Pure: tests/unit/http/request_body_test.cpp.

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sse::http {

/// A member name that people send by mistake, and what to say about it.
struct field_hint {
  std::string_view name;
  std::string_view hint;  ///< e.g. "did you mean \"ttl_seconds\"?"
};

/// The first member of `o` (in document order) that is not in `known`, described for an error
/// message: `unknown field "buffer_limt" in <what> (did you mean "buffer_limit"?); known fields:
/// "buffer_limit", "ttl_seconds"`. A name in `hints` gets its hint; else a known name within two
/// edits gets a "did you mean". nullopt when every member is known.
std::optional<std::string> unknown_field(const boost::json::object& o,
                                         std::span<const std::string_view> known,
                                         std::string_view what,
                                         std::span<const field_hint> hints = {});

/// "a string", "an object", "null", "a number with a fraction", ...: what a value is, for
/// messages about a wrong type.
std::string_view json_kind(const boost::json::value& v) noexcept;

}  // namespace sse::http
