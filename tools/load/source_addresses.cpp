#include "load/source_addresses.hpp"

#include <algorithm>

namespace sse::load {

unsigned auto_source_addresses(std::uint64_t connections) noexcept {
  const std::uint64_t n = (connections + connections_per_source - 1) / connections_per_source;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(n, 1, max_source_addresses));
}

boost::asio::ip::address_v4 source_address(std::uint64_t index, unsigned count) noexcept {
  if (count <= 1) {
    return {};
  }
  const auto octet = static_cast<std::uint32_t>(1 + index % std::min(count, max_source_addresses));
  return boost::asio::ip::address_v4((127u << 24) | octet);
}

}  // namespace sse::load
