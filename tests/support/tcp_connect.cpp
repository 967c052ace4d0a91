#include "tcp_connect.hpp"

#include <stdexcept>

#include "asio_run.hpp"

namespace sse::test::detail {

void connect_socket(boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket,
                    const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                    int receive_buffer_bytes) {
  namespace net = boost::asio;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error("connect: '" + host + "' is not an IP address: " + ec.message());
  }
  const net::ip::tcp::endpoint endpoint(address, port);
  boost::system::error_code ignored;
  socket.close(ignored);
  const std::string where = host + ":" + std::to_string(port);
  socket.open(endpoint.protocol(), ec);
  if (!ec && receive_buffer_bytes > 0) {
    socket.set_option(net::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
  }
  if (ec) {
    throw std::runtime_error("connect " + where + ": socket: " + ec.message());
  }
  bool done = false;
  socket.async_connect(endpoint, [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(io, socket, done, timeout)) {
    socket.close(ignored);
    throw std::runtime_error("connect " + where + ": timeout");
  }
  if (ec) {
    socket.close(ignored);
    throw std::runtime_error("connect " + where + ": " + ec.message());
  }
  socket.set_option(net::ip::tcp::no_delay(true), ignored);
}

}  // namespace sse::test::detail
