#pragma once
// Base64url without padding (RFC 4648 section 5), as JWTs use it (RFC 7515 section 2).

#include <optional>
#include <string>
#include <string_view>

namespace sse::auth {

/// Decodes unpadded base64url. nullopt on any character outside the alphabet, on padding, or on
/// a length that no encoding produces (remainder 1).
std::optional<std::string> base64url_decode(std::string_view in);

/// Encodes without padding (tests and fuzzers mint tokens with it).
std::string base64url_encode(std::string_view in);

}  // namespace sse::auth
