#pragma once
// Which loopback source address each client socket of the load tool binds to. One address
// offers about 28,000 ephemeral ports towards one server port, and connect() slows to a crawl
// long before they run out (BENCHMARKS.md, "Why 18,000 subscribers fail"); the whole of
// 127.0.0.0/8 routes to lo on Linux, so N addresses multiply the ports by N. Pure.

#include <boost/asio/ip/address_v4.hpp>
#include <cstdint>

namespace sse::load {

/// Connections one source address carries when the count is chosen automatically: well below
/// the ~14,000 where connect() started scanning for free ports.
inline constexpr std::uint64_t connections_per_source = 10'000;
/// 127.0.0.1 .. 127.0.0.250: the last octet is enough and stays readable in `ss` output.
inline constexpr unsigned max_source_addresses = 250;

/// The count for `connections` client sockets (subscribers + producers) when --source-addresses
/// is 0 (auto): one per started 10,000, at least 1, at most max_source_addresses.
unsigned auto_source_addresses(std::uint64_t connections) noexcept;

/// The source address of client `index` among `count` addresses: 127.0.0.(1 + index % count).
/// With count <= 1 it is the unspecified address: no bind, the kernel chooses (as before the
/// flag existed).
boost::asio::ip::address_v4 source_address(std::uint64_t index, unsigned count) noexcept;

}  // namespace sse::load
