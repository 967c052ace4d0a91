#include "config/byte_size.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include "config/number.hpp"

namespace sse::config {
namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = kib * 1024;
constexpr std::uint64_t gib = mib * 1024;

// "KB" means 1024 here, as it does in most server configs (nginx, Redis): these are buffer
// sizes, and nobody sizing one means 1000.
constexpr std::array<std::pair<std::string_view, std::uint64_t>, 13> units{{
    {"B", 1},
    {"KiB", kib},
    {"k", kib},
    {"K", kib},
    {"KB", kib},
    {"MiB", mib},
    {"M", mib},
    {"MB", mib},
    {"GiB", gib},
    {"G", gib},
    {"GB", gib},
    {"kB", kib},
    {"kiB", kib},
}};

}  // namespace

result<std::size_t> parse_byte_size(std::string_view text) noexcept {
  const auto unit_pos = text.find_first_not_of("0123456789.");
  const std::string_view number = text.substr(0, unit_pos);
  const std::string_view unit =
      unit_pos == std::string_view::npos ? std::string_view{} : text.substr(unit_pos);

  std::uint64_t multiplier = 0;
  if (unit.empty()) {
    multiplier = 1;
  } else {
    for (const auto& [name, factor] : units) {
      if (unit == name) {
        multiplier = factor;
        break;
      }
    }
  }
  if (multiplier == 0) {
    return errc::invalid_argument;
  }
  auto n = parse_scaled(number, multiplier);
  if (!n) {
    return n.error();
  }
  if (*n > std::numeric_limits<std::size_t>::max()) {
    return errc::invalid_argument;
  }
  return static_cast<std::size_t>(*n);
}

std::string format_byte_size(std::size_t n) {
  if (n == 0) {
    return "0";
  }
  if (n % gib == 0) {
    return std::to_string(n / gib) + "GiB";
  }
  if (n % mib == 0) {
    return std::to_string(n / mib) + "MiB";
  }
  if (n % kib == 0) {
    return std::to_string(n / kib) + "KiB";
  }
  return std::to_string(n);
}

}  // namespace sse::config
