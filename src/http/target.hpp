#pragma once
// Request-target helpers: splitting path and query, percent-decoding, query parameters.
// Pure functions over string_views (tests/unit/http/target_test.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace sse::http {

struct target_parts {
  std::string_view path;   ///< up to '?' (or '#'), never empty for a valid origin-form target
  std::string_view query;  ///< after '?', without the fragment; empty when none
};

target_parts split_target(std::string_view target) noexcept;

/// The origin form (path and query) of a request-target. An absolute-form target
/// (`http://host:8080/v1/x?q`, which RFC 9112 3.2.2 says a server must accept) loses its scheme
/// and authority: `/v1/x?q`, or `/` (with the query, if any) when it has no path. Any other
/// target (origin form, `*`) is returned as it is.
std::string origin_form(std::string_view target);

/// The decoded value of the first `name=value` pair of a query string; "" for `name` or
/// `name=`; nullopt when absent. A value with a bad escape is returned undecoded, so that the
/// caller's own validation rejects it with its own error.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace sse::http
