#pragma once
// Internal to the harness: a blocking TCP connect with a deadline.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace sse::test::detail {

/// Connects `socket` (any previous connection is closed) to host:port (an IP literal), with
/// SO_RCVBUF set before the connect when receive_buffer_bytes > 0 (so the TCP window is small
/// from the start). Throws std::runtime_error naming the address on failure or timeout.
void connect_socket(boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket,
                    const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                    int receive_buffer_bytes = 0);

}  // namespace sse::test::detail
