#include "http/tls_layer.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <tuple>

#include "http/h1/write.hpp"
#include "http/read_deadline.hpp"
#include "http/refusal.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

/// The first byte of a TLS connection is a handshake record (content type 22).
constexpr unsigned char tls_handshake_record = 0x16;

/// The TLS close (graceful: the client can tell the end of the stream from a cut): our
/// close_notify, then FIN. Only ours: TLS 1.2 (RFC 5246 7.2.1) and 1.3 (RFC 8446 6.1) let the
/// closing side leave without waiting for the peer's, and a client that keeps its socket after
/// the response must not hold the session. The write is bounded too (a client that reads
/// nothing cannot take even the alert).
constexpr std::chrono::seconds tls_close_wait{2};

/// Plain HTTP sent to the HTTPS port: answered in plain text (the client can read that), closed.
net::awaitable<void> refuse_plaintext(tcp::socket& socket, telemetry::metrics& metrics) {
  plain_stream stream(std::move(socket));
  boost::system::error_code ec =
      co_await h1::write_refusal(stream, refuse(refusal::tls_required), metrics);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // The client's request is still unread, and closing a socket with unread bytes sends a reset
  // that can destroy the answer before the client reads it: read and drop what it sent (bounded
  // in time and bytes) until it closes too.
  std::array<char, 4096> sink{};
  stream.expires_after(std::chrono::seconds(1));
  std::size_t n = 0;
  for (std::size_t drained = 0; !ec && drained < 64 * 1024; drained += n) {
    std::tie(ec, n) =
        co_await stream.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
  }
  stream.socket().close(ignored);
}

}  // namespace

net::awaitable<handshake_result> tls_handshake(tls_stream& stream,
                                               std::chrono::steady_clock::duration limit,
                                               std::string& error) {
  tcp::socket& socket = raw_socket(stream);
  read_deadline deadline(socket, limit);
  std::array<unsigned char, 1> first{};
  auto [peek_ec, n] = co_await socket.async_receive(net::buffer(first), tcp::socket::message_peek,
                                                    net::as_tuple(net::use_awaitable));
  if (peek_ec || n == 0) {
    error = peek_ec ? peek_ec.message() : "closed";
    co_return deadline.fired() ? handshake_result::timed_out : handshake_result::failed;
  }
  if (first[0] != tls_handshake_record) {
    co_return handshake_result::plaintext;
  }
  auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server,
                                              net::as_tuple(net::use_awaitable));
  if (ec) {
    error = ec.message();
    co_return deadline.fired() ? handshake_result::timed_out : handshake_result::failed;
  }
  co_return handshake_result::done;
}

net::awaitable<bool> start_tls(services& s, tls_stream& stream,
                               std::chrono::steady_clock::duration limit) {
  std::string error;
  switch (co_await tls_handshake(stream, limit, error)) {
    case handshake_result::done:
      co_return true;
    case handshake_result::plaintext:
      s.metrics.bad_requests_total.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("TLS: plain HTTP from {} on the HTTPS port: answered 400, closed",
                    client_ip(stream));
      co_await refuse_plaintext(raw_socket(stream), s.metrics);
      co_return false;
    case handshake_result::timed_out:
      s.metrics.count_limit(telemetry::limit_request_timeout);
      spdlog::debug("TLS: no handshake from {} within the header timeout: closed",
                    client_ip(stream));
      break;
    case handshake_result::failed:
      spdlog::debug("TLS: handshake with {} failed: {}", client_ip(stream), error);
      break;
  }
  finish_socket(raw_socket(stream));
  co_return false;
}

net::awaitable<void> close_tls(tls_stream& stream) {
  if (raw_socket(stream).is_open()) {
    SSL_set_shutdown(stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
    boost::beast::get_lowest_layer(stream).expires_after(tls_close_wait);
    co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
  }
  finish_socket(raw_socket(stream));
}

}  // namespace sse::http
