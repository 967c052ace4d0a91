#include "common/source_bind.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

namespace sse::tools {

namespace net = boost::asio;

boost::system::error_code bind_source(net::ip::tcp::socket& socket,
                                      const net::ip::address_v4& source) {
  boost::system::error_code ec;
  if (source.is_unspecified()) {
    return ec;
  }
  if (!socket.is_open()) {
    socket.open(net::ip::tcp::v4(), ec);
    if (ec) {
      return ec;
    }
  }
#ifdef IP_BIND_ADDRESS_NO_PORT
  // Without it, bind(port 0) reserves a port for every destination at once and the pool runs
  // out just as it did without binding.
  const int on = 1;
  if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on) !=
      0) {
    return {errno, boost::system::system_category()};
  }
#endif
  socket.bind(net::ip::tcp::endpoint(source, 0), ec);
  return ec;
}

}  // namespace sse::tools
