#include "common/sse_connection.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <optional>
#include <string>

#include "common/source_bind.hpp"

namespace sse::tools {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Small buffers: the load tool holds ten thousand of these connections.
constexpr std::size_t read_limit = 4096;
constexpr std::size_t body_chunk = 4096;
}  // namespace

struct sse_connection::impl {
  explicit impl(net::any_io_executor ex) : socket(ex), buffer(read_limit) {}
  net::ip::tcp::socket socket;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  stream::sse_parser events;
  std::array<char, body_chunk> body{};
  net::ip::address_v4 source;
};

sse_connection::sse_connection(net::any_io_executor ex) : impl_(std::make_unique<impl>(ex)) {}

sse_connection::~sse_connection() {
  abort();
}

bool sse_connection::is_open() const noexcept {
  return impl_->socket.is_open();
}

void sse_connection::set_source(net::ip::address_v4 source) noexcept {
  impl_->source = source;
}

void sse_connection::abort() noexcept {
  if (!impl_->socket.is_open()) {
    return;
  }
  boost::system::error_code ignored;
  impl_->socket.set_option(net::socket_base::linger(true, 0), ignored);
  impl_->socket.close(ignored);
}

net::awaitable<result<unsigned>> sse_connection::open(net::ip::tcp::endpoint server,
                                                      std::string_view target,
                                                      std::string_view last_event_id) {
  constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
  impl& s = *impl_;
  abort();
  s.buffer.clear();
  s.events = stream::sse_parser{};
  if (auto ec = bind_source(s.socket, s.source)) {
    abort();
    co_return ec;
  }
  {
    auto [ec] = co_await s.socket.async_connect(server, tuple_awaitable);
    if (ec) {
      abort();
      co_return ec;
    }
  }
  std::string req;
  req.reserve(160 + target.size() + last_event_id.size());
  req.append("GET ").append(target).append(
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
  if (!last_event_id.empty()) {
    req.append("Last-Event-ID: ").append(last_event_id).append("\r\n");
  }
  req.append("\r\n");
  {
    auto [ec, n] = co_await net::async_write(s.socket, net::buffer(req), tuple_awaitable);
    if (ec) {
      abort();
      co_return ec;
    }
  }
  s.parser.emplace();
  s.parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  auto [ec, n] = co_await http::async_read_header(s.socket, s.buffer, *s.parser, tuple_awaitable);
  if (ec) {
    abort();
    co_return ec;
  }
  co_return s.parser->get().result_int();
}

net::awaitable<result<std::vector<stream::parsed_event>>> sse_connection::read_events() {
  impl& s = *impl_;
  if (!s.parser || s.parser->is_done()) {
    co_return make_error_code(http::error::end_of_stream);
  }
  auto& body = s.parser->get().body();
  body.data = s.body.data();
  body.size = s.body.size();
  auto [ec, n] = co_await http::async_read_some(s.socket, s.buffer, *s.parser,
                                                net::as_tuple(net::use_awaitable));
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  if (ec) {
    co_return ec;
  }
  const std::size_t got = s.body.size() - body.size;
  co_return s.events.feed(std::string_view(s.body.data(), got));
}

}  // namespace sse::tools
