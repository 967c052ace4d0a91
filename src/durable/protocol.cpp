#include "durable/protocol.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "durable/digits.hpp"

namespace sse::durable {
namespace {

using detail::all_digits;
using detail::digits_value;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

constexpr std::int64_t cursor_epoch_ms = 1728432000000;  // 2024-10-09T00:00:00Z
constexpr std::int64_t cursor_interval_ms = 20000;

}  // namespace

std::string mint_offset(seq_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(offset_width - std::min(offset_width, digits.size()), '0') + digits;
}

std::optional<parsed_offset> parse_offset(std::string_view text) {
  if (text == "-1") {
    return parsed_offset{offset_kind::start, 0};
  }
  if (text == "now") {
    return parsed_offset{offset_kind::now, 0};
  }
  if (text.size() != offset_width || !all_digits(text)) {
    return std::nullopt;
  }
  auto v = digits_value<seq_t>(text);
  if (!v || *v < meta_seq) {
    return std::nullopt;
  }
  return parsed_offset{offset_kind::position, *v};
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

bool same_content_type(std::string_view a, std::string_view b) {
  return media_type(a) == media_type(b);
}

bool is_json_type(std::string_view content_type) {
  return media_type(content_type) == "application/json";
}

bool sse_compatible(std::string_view content_type) {
  const std::string m = media_type(content_type);
  return m.starts_with("text/") || m == "application/json";
}

std::optional<std::uint64_t> parse_ttl_seconds(std::string_view text) {
  if (!all_digits(text) || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  return digits_value<std::uint64_t>(text);
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) -> std::optional<unsigned> {
    auto s = t.substr(at, n);
    if (!all_digits(s)) {
      return std::nullopt;
    }
    return digits_value<unsigned>(s);
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
       s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t ms = 0;
  if (at < t.size() && t[at] == '.') {
    std::size_t start = ++at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      ++at;
    }
    if (at == start) {
      return std::nullopt;
    }
    std::string frac(t.substr(start, std::min<std::size_t>(3, at - start)));
    frac.resize(3, '0');
    ms = *digits_value<std::int64_t>(frac);
  }
  std::int64_t offset_min = 0;
  auto zone = t.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = num(at + 1, 2), om = num(at + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset_min = (*oh * 60 + *om) * (zone[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(*y, *mo, *d);
  const std::int64_t secs = days * 86400 + *h * 3600 + *mi * 60 + *s - offset_min * 60;
  return secs * 1000 + ms;
}

std::string format_rfc3339(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  std::array<char, 40> buf{};
  int n = 0;
  if (ms == 0) {
    n = std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                      static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                      static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  } else {
    n = std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                      static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                      static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                      static_cast<long long>(ms));
  }
  return std::string(buf.data(), static_cast<std::size_t>(std::max(n, 0)));
}

bool header_true(std::string_view text) {
  return lower(trim(text)) == "true";
}

std::string next_cursor(std::int64_t unix_ms, std::optional<std::string_view> client_cursor,
                        std::mt19937_64& rng) {
  std::int64_t interval = (unix_ms - cursor_epoch_ms) / cursor_interval_ms;
  if (client_cursor && all_digits(*client_cursor)) {
    auto client = digits_value<std::int64_t>(*client_cursor);
    if (client && *client >= interval && *client < std::numeric_limits<std::int64_t>::max() / 2) {
      // 1-3600 s of jitter, in whole intervals: 1-180.
      std::uniform_int_distribution<std::int64_t> jitter(1, 3600 * 1000 / cursor_interval_ms);
      interval = *client + jitter(rng);
    }
  }
  return std::to_string(interval);
}

}  // namespace sse::durable
