#pragma once
// Base64 (RFC 4648): the unpadded URL-safe form JWTs use (RFC 7515 section 2), and the padded
// standard form the Durable Streams door stores bytes in and sends binary SSE data in. One bit
// loop serves both; they differ in alphabet, padding and how strict decoding is.

#include <optional>
#include <string>
#include <string_view>

namespace sse::core {

/// Decodes unpadded base64url. nullopt on any character outside the alphabet, on padding, on a
/// length that no encoding produces (remainder 1), or on non-zero leftover bits (each byte string
/// has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view in);

/// Encodes without padding (tests and fuzzers mint tokens with it).
std::string base64url_encode(std::string_view in);

/// Encodes with the standard alphabet (`+/`), padded with `=` to a multiple of 4.
std::string base64_encode(std::string_view in);

/// Decodes padded standard base64. nullopt when the length is not a multiple of 4, on any
/// character outside the alphabet, or on `=` anywhere but the last two places (a `=` in the
/// second to last place needs one in the last).
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace sse::core
