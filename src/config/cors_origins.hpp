#pragma once
// --cors-origin: the page origins a browser may let call the gateway. Parsed once here, so the
// HTTP layer only compares strings.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace sse::config {

struct cors_origins {
  /// "*": any origin, answered `Access-Control-Allow-Origin: *` and never with credentials
  /// (browsers refuse credentials with the wildcard).
  bool any = false;
  /// Explicit origins, lower-cased as browsers serialize them ("https://app.example:8443"),
  /// and the literal "null" only when it was listed.
  std::vector<std::string> listed;

  bool operator==(const cors_origins&) const = default;
  bool enabled() const noexcept { return any || !listed.empty(); }
};

/// Parses the flag's value: empty (CORS off), `*`, or a comma-separated list of origins, each
/// `scheme://host[:port]` exactly as a browser sends it in `Origin` (no path, not even a
/// trailing `/`, no user info), or `null`. Blanks around entries are ignored; a repeated
/// origin is kept once. Errors (errc::invalid_argument): an empty entry, `*` together with
/// origins, or an entry that is not an origin (a path, a query, a missing host, a bad port).
result<cors_origins> parse_cors_origins(std::string_view text);

/// The inverse of parse_cors_origins: "", "*" or the origins joined with ",".
std::string format_cors_origins(const cors_origins& origins);

}  // namespace sse::config
