#pragma once
// The byte streams a connection is read and written through: plain TCP or TLS. Private to the
// connection's own .cpp files (tls_layer, h1/): it includes Beast, which no other header here
// does.
//
// beast::ssl_stream (not a bare asio::ssl::stream) because it coalesces a gather write of many
// small SSE frames into one TLS record instead of one record per frame.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <string>

namespace sse::http {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

inline boost::asio::ip::tcp::socket& raw_socket(boost::asio::ip::tcp::socket& socket) {
  return socket;
}

template <class Stream>
boost::asio::ip::tcp::socket& raw_socket(Stream& stream) {
  return boost::beast::get_lowest_layer(stream).socket();
}

/// The peer's address, "" when the socket no longer has one.
template <class Stream>
std::string client_ip(Stream& stream) {
  boost::system::error_code ec;
  auto ep = raw_socket(stream).remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

/// Sends FIN first so that the client reads everything written before the close.
inline void finish_socket(boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace sse::http
