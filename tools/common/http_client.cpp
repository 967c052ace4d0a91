#include "common/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/source_bind.hpp"

namespace sse::tools {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct http_client::impl {
  impl(net::any_io_executor ex, net::ip::tcp::endpoint ep) : stream(ex), server(ep) {}
  beast::tcp_stream stream;
  net::ip::tcp::endpoint server;
  beast::flat_buffer buffer;
  bool connected = false;
  net::ip::address_v4 source;
};

http_client::http_client(net::any_io_executor ex, net::ip::tcp::endpoint server)
    : impl_(std::make_unique<impl>(ex, server)) {}

http_client::~http_client() = default;

void http_client::close() noexcept {
  beast::error_code ignored;
  impl_->stream.socket().close(ignored);
  impl_->buffer.clear();
  impl_->connected = false;
}

void http_client::set_source(net::ip::address_v4 source) noexcept {
  impl_->source = source;
}

net::awaitable<result<http_answer>> http_client::request(std::string_view method,
                                                         std::string target, std::string body,
                                                         std::string_view content_type,
                                                         std::chrono::milliseconds timeout,
                                                         header_list headers) {
  constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
  impl& s = *impl_;
  s.stream.expires_after(timeout);
  if (!s.connected) {
    if (auto ec = bind_source(s.stream.socket(), s.source)) {
      close();
      co_return ec;
    }
    auto [ec] = co_await s.stream.async_connect(s.server, tuple_awaitable);
    if (ec) {
      close();
      co_return ec;
    }
    s.stream.socket().set_option(net::ip::tcp::no_delay(true), ec);
    s.connected = true;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(true);
  if (!content_type.empty()) {
    req.set(http::field::content_type, content_type);
  }
  for (const auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  {
    auto [ec, n] = co_await http::async_write(s.stream, req, tuple_awaitable);
    if (ec) {
      close();
      co_return ec;
    }
  }
  http::response<http::string_body> res;
  auto [ec, n] = co_await http::async_read(s.stream, s.buffer, res, tuple_awaitable);
  if (ec) {
    close();
    co_return ec;
  }
  s.stream.expires_never();
  if (!res.keep_alive()) {
    close();
  }
  co_return http_answer{res.result_int(), std::move(res.body())};
}

}  // namespace sse::tools
