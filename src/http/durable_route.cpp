#include "http/durable_route.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iterator>
#include <variant>

#include "durable/door.hpp"
#include "http/access.hpp"
#include "http/cors.hpp"
#include "http/durable_access.hpp"
#include "http/sse_util.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/names.hpp"

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

/// A DS request's registration for shutdown, which stops its live wait (a long-poll then answers
/// as at its timeout, an SSE read ends its body). Every DS request registers: only live reads
/// wait, and the others ignore the stop.
class shutdown_stop final : public shutdown_listener {
 public:
  shutdown_stop(services& s, session_entry& entry) : entry_(entry) {
    entry_.sse = this;
    if (s.draining.load(std::memory_order_relaxed)) {
      stop.request();  // shutdown began before this registration could hear of it
    }
  }
  ~shutdown_stop() {
    if (entry_.sse == this) {
      entry_.sse = nullptr;
    }
  }
  shutdown_stop(const shutdown_stop&) = delete;
  shutdown_stop& operator=(const shutdown_stop&) = delete;
  void notify_shutdown() override { stop.request(); }

  durable::live_stop stop;

 private:
  session_entry& entry_;
};

/// A client sends nothing after its request: a read completing means it left (EOF or reset),
/// and the SSE read stops at once rather than at its next keep-alive write. Anything it does
/// send is read and dropped. Cancelled when the SSE read ends first.
net::awaitable<void> watch_peer(sse_transport& io, durable::live_stop& stop) {
  std::array<char, 64> buf;
  for (;;) {
    auto [ec, n] = co_await io.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec != net::error::operation_aborted) {
        stop.request();
      }
      co_return;
    }
  }
}

}  // namespace

net::awaitable<std::optional<response>> serve_durable(services& s, session_entry& entry,
                                                      exchange& ex, request& req,
                                                      const request_info& info, access_note& note) {
  durable::door& door = *s.durable;
  s.metrics.durable_requests_total[telemetry::durable_method_index(req.method_name)].fetch_add(
      1, std::memory_order_relaxed);
  durable::request dr;
  dr.method = req.method_name;
  dr.target = req.target;
  dr.headers = std::move(req.durable_headers);
  dr.body = std::move(req.body);
  if (req.verb == method::options) {
    response r;
    r.status = 204;
    r.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    // The preflight's lists, even with CORS off (the protocol's suite asks for them); the
    // origin itself is granted by --cors-origin in the session's add_cors_headers, which keeps
    // these two fields rather than adding them twice.
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers", std::string(durable_allowed_headers));
    co_return r;
  }
  // A live read holds one of its stream's subscriber places until it answers or ends.
  auth::counted_hold subscriber_place;
  if (auto refused =
          co_await admit_durable(s, req, dr, info.client_ip, subscriber_place, note.stream_id)) {
    co_return std::move(*refused);
  }
  shutdown_stop shutdown(s, entry);
  if (!door.is_sse(dr)) {
    co_return to_response(co_await door.handle(dr, &shutdown.stop));
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
    s.metrics.sse_connections_open.fetch_add(1, std::memory_order_relaxed);
    using namespace net::experimental::awaitable_operators;
    transport_sink sink(io);
    // The read runs without the peer watch's cancellation (the store's I/O is never cut
    // half-way): the watch stops it instead, through the same live_stop as shutdown.
    auto ended =
        co_await (uncancellable(door.stream_sse(std::move(*start.plan), sink, &shutdown.stop)) ||
                  watch_peer(io, shutdown.stop));
    // Index 1: the peer watch won, the client left.
    if (ended.index() == 0 && std::get<0>(ended) == durable::sse_end::access_expired) {
      // As v1 ends a subscription at its token's expiry.
      s.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
      s.sink.emit(telemetry::event{
          std::string(telemetry::names::auth_rejected),
          note.stream_id,
          {{"reason", "token_expired"}, {"action", "subscribe"}, {"during", "stream"}},
          0});
      co_await sink.write(token_expired_frame());
    }
    if (sink.ok()) {
      co_await io.async_write({}, true, net::as_tuple(net::use_awaitable));  // the body's end
    }
    s.metrics.sse_connections_open.fetch_sub(1, std::memory_order_relaxed);
  }
  co_return std::nullopt;
}

}  // namespace sse::http
