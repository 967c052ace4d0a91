#include "http/durable_route.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iterator>

#include "durable/door.hpp"
#include "http/cors.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;

response to_response(durable::reply r) {
  response out;
  out.status = r.status;
  out.body = std::move(r.body);
  for (auto& [name, value] : r.headers) {
    if (name == "Content-Type") {
      out.content_type = std::move(value);
    } else {
      out.headers.emplace_back(std::move(name), std::move(value));
    }
  }
  return out;
}

/// The door's writes as body bytes of the exchange's stream; ok() while every write went out.
class transport_sink final : public durable::sse_sink {
 public:
  explicit transport_sink(sse_transport& io) : io_(io) {}
  net::awaitable<bool> write(std::string bytes) override {
    std::array<net::const_buffer, 1> view{net::buffer(bytes)};
    auto [ec, n] = co_await io_.async_write(view, false, net::as_tuple(net::use_awaitable));
    ok_ = ok_ && !ec;
    co_return !ec;
  }
  bool ok() const noexcept { return ok_; }

 private:
  sse_transport& io_;
  bool ok_ = true;
};

}  // namespace

net::awaitable<std::optional<response>> serve_durable(services& s, exchange& ex, request& req) {
  durable::door& door = *s.durable;
  durable::request dr;
  dr.method = req.method_name;
  dr.target = req.target;
  dr.headers = std::move(req.durable_headers);
  dr.body = std::move(req.body);
  if (req.verb == method::options) {
    response r;
    r.status = 204;
    r.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    // The preflight's lists (the origin itself is allowed by --cors-origin, added by the
    // session): the protocol's request headers, and If-None-Match for cached reads.
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    r.headers.emplace_back(
        "Access-Control-Allow-Headers",
        "Content-Type, Authorization, If-None-Match, Stream-Seq, Stream-TTL, Stream-Expires-At, "
        "Stream-Closed, Stream-Forked-From, Producer-Id, Producer-Epoch, Producer-Seq");
    co_return r;
  }
  if (!door.is_sse(dr)) {
    co_return to_response(co_await door.handle(dr));
  }
  auto start = co_await door.start_sse(dr);
  if (!start.plan) {
    co_return to_response(std::move(start.head));
  }
  response answer = to_response(std::move(start.head));
  add_cors_headers(s.cfg.cors_origin, req, answer);
  // The connection ends with the stream, as it always did for these reads (`close`).
  stream_head head{answer.status, {}, true};
  head.fields.emplace_back("Content-Type", std::move(answer.content_type));
  std::move(answer.headers.begin(), answer.headers.end(), std::back_inserter(head.fields));
  sse_transport& io = ex.open_sse();
  auto [ec, n] = co_await io.async_write_head(head, net::as_tuple(net::use_awaitable));
  if (!ec) {
    transport_sink sink(io);
    co_await door.stream_sse(std::move(*start.plan), sink);
    if (sink.ok()) {
      co_await io.async_write({}, true, net::as_tuple(net::use_awaitable));  // the body's end
    }
  }
  co_return std::nullopt;
}

}  // namespace sse::http
