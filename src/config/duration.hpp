#pragma once
// Durations as operators write them in flags and SSE_GATEWAY_* variables.

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::config {

/// The longest duration accepted: 10 years. Longer values are almost surely typos, and anything
/// near the int64 nanosecond range would overflow once added to a system_clock time_point.
inline constexpr std::chrono::milliseconds max_duration{10LL * 365 * 24 * 3600 * 1000};

/// Parses `<number><unit>` with unit `ms`, `s`, `m` or `h`, or a bare number meaning seconds:
/// "250ms", "15s", "5m", "1h", "30". The number may have a fraction ("1.5s", "0.25h") as long as
/// the result is a whole number of milliseconds. Case-sensitive, no spaces, no sign.
/// Errors: errc::invalid_argument for empty, negative, malformed, sub-millisecond fractions, an
/// unknown unit, or more than max_duration.
result<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept;

/// The shortest exact spelling in the largest unit that divides it: 3600000ms -> "1h",
/// 90000ms -> "90s", 250ms -> "250ms", 0 -> "0s". parse_duration(format_duration(d)) == d.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sse::config
