#pragma once
// Byte counts as operators write them in flags: "1048576", "256KiB", "1MiB", "64k".

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::config {

/// Parses a bare number of bytes, or a number followed by a binary unit: `B`; `KiB`, `k`, `K`,
/// `KB` (1024); `MiB`, `M`, `MB` (1024^2); `GiB`, `G`, `GB` (1024^3). A fraction is allowed when
/// the result is whole bytes ("1.5KiB" = 1536). No spaces, no sign.
/// Errors: errc::invalid_argument for empty, negative, malformed, unknown unit or overflow.
result<std::size_t> parse_byte_size(std::string_view text) noexcept;

/// The largest binary unit that divides `n` exactly: 1048576 -> "1MiB", 1536 -> "1536", 0 -> "0".
/// parse_byte_size(format_byte_size(n)) == n.
std::string format_byte_size(std::size_t n);

}  // namespace sse::config
