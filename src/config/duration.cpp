#include "config/duration.hpp"

#include <cstdint>

#include "config/number.hpp"

namespace sse::config {

result<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
  const auto unit_pos = text.find_first_not_of("0123456789.");
  const std::string_view number = text.substr(0, unit_pos);
  const std::string_view unit =
      unit_pos == std::string_view::npos ? std::string_view{} : text.substr(unit_pos);

  std::uint64_t unit_ms = 0;
  if (unit.empty() || unit == "s") {
    unit_ms = 1000;
  } else if (unit == "ms") {
    unit_ms = 1;
  } else if (unit == "m") {
    unit_ms = 60 * 1000;
  } else if (unit == "h") {
    unit_ms = 3600 * 1000;
  } else {
    return errc::invalid_argument;
  }
  auto ms = parse_scaled(number, unit_ms);
  if (!ms) {
    return ms.error();
  }
  if (*ms > static_cast<std::uint64_t>(max_duration.count())) {
    return errc::invalid_argument;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  // Negative durations never come out of parse_duration; print them plainly for debugging.
  if (ms < 0) {
    return std::to_string(ms) + "ms";
  }
  if (ms % (3600 * 1000) == 0) {
    return std::to_string(ms / (3600 * 1000)) + "h";
  }
  if (ms % (60 * 1000) == 0) {
    return std::to_string(ms / (60 * 1000)) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace sse::config
