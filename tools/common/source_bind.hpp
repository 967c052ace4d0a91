#pragma once
// Binds a client socket to a chosen loopback source address before connect, so that a load
// tool with tens of thousands of connections spreads them over 127.0.0.1..127.0.0.N instead of
// running out of one address's ephemeral ports (BENCHMARKS.md, "Why 18,000 subscribers fail").

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace sse::tools {

/// Opens `socket` (IPv4) when it is closed and binds it to `source` port 0 with
/// IP_BIND_ADDRESS_NO_PORT, so that the kernel picks the port at connect() per
/// (source, destination) pair rather than at bind() from one global pool. Does nothing for the
/// unspecified address (0.0.0.0): the kernel then picks the source as usual.
/// Errors: the socket's (open, setsockopt or bind).
boost::system::error_code bind_source(boost::asio::ip::tcp::socket& socket,
                                      const boost::asio::ip::address_v4& source);

}  // namespace sse::tools
