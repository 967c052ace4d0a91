#pragma once
// Plain decimal numbers as operators type them in flags: shared by the duration and byte-size
// parsers so that both accept the same digits and fail the same way.

#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace sse::config {

/// Parses an unsigned decimal integer (digits only: no sign, no spaces, no exponent).
/// Errors: errc::invalid_argument when empty, not all digits, or above UINT64_MAX.
result<std::uint64_t> parse_uint(std::string_view text) noexcept;

/// Parses `digits[.digits]` and multiplies it by `unit`, exactly. "1.5" with unit 1000 is 1500.
/// Errors: errc::invalid_argument when malformed, when the product overflows uint64, or when it
/// is not a whole number of units of 1 (e.g. "0.0005" with unit 1000).
result<std::uint64_t> parse_scaled(std::string_view text, std::uint64_t unit) noexcept;

}  // namespace sse::config
