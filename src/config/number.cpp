#include "config/number.hpp"

#include <charconv>
#include <limits>

namespace sse::config {
namespace {

bool all_digits(std::string_view s) noexcept {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

}  // namespace

result<std::uint64_t> parse_uint(std::string_view text) noexcept {
  // from_chars alone would accept a prefix ("12abc" -> 12); demand that every char is a digit.
  if (text.empty() || !all_digits(text)) {
    return errc::invalid_argument;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return errc::invalid_argument;
  }
  return value;
}

result<std::uint64_t> parse_scaled(std::string_view text, std::uint64_t unit) noexcept {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  // "1." and ".5" are rejected: they are more likely typos than intent.
  if (dot != std::string_view::npos && frac.empty()) {
    return errc::invalid_argument;
  }
  auto w = parse_uint(whole);
  if (!w) {
    return w.error();
  }
  if (unit != 0 && *w > max_u64 / unit) {
    return errc::invalid_argument;
  }
  std::uint64_t total = *w * unit;
  if (frac.empty()) {
    return total;
  }
  // Only as many fraction digits as can matter: 19 keeps 10^n inside uint64.
  if (frac.size() > 18 || !all_digits(frac)) {
    return errc::invalid_argument;
  }
  auto f = parse_uint(frac);
  if (!f) {
    return f.error();
  }
  std::uint64_t scale = 1;
  for (std::size_t i = 0; i < frac.size(); ++i) {
    scale *= 10;
  }
  // f < scale <= 10^18 and unit is small in practice (<= 2^30 or 3.6e6), but check anyway.
  if (unit != 0 && *f > max_u64 / unit) {
    return errc::invalid_argument;
  }
  const std::uint64_t scaled = *f * unit;
  if (scaled % scale != 0) {
    return errc::invalid_argument;
  }
  const std::uint64_t part = scaled / scale;
  if (total > max_u64 - part) {
    return errc::invalid_argument;
  }
  total += part;
  return total;
}

}  // namespace sse::config
