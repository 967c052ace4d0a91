#pragma once
// Digit helpers shared by the pure protocol files (internal to src/durable).

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

namespace sse::durable::detail {

inline bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The whole of `s` as a decimal number; nullopt on anything else or overflow.
template <class Int>
std::optional<Int> digits_value(std::string_view s) {
  Int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace sse::durable::detail
