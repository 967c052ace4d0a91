#pragma once
// Small text helpers that HTTP headers, bearer tokens and request bodies all need.

#include <optional>
#include <string>
#include <string_view>

namespace sse::core {

/// s without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view s) noexcept;

/// ASCII case-insensitive equality (header values, auth schemes, media types). Use this, not
/// boost::beast::iequals: Boost 1.81's reads one byte past both ends when the strings differ
/// only in the case of their last character (found by target_fuzz on `chunkeD`).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Decodes %XX escapes (and '+' as a space when plus_is_space, as in query strings). nullopt on
/// a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace sse::core
