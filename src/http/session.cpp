#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>
#include <string_view>

#include "core/stream_id.hpp"
#include "http/access.hpp"
#include "http/cors.hpp"
#include "http/relay_service.hpp"
#include "http/router.hpp"
#include "http/sse_session.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

// Request line plus headers: --max-header-bytes and --max-header-count (a browser's request is
// about 1 KiB).

struct connection_gauge {
  explicit connection_gauge(telemetry::metrics& m) : m_(m) {
    m_.http_connections_open.fetch_add(1, std::memory_order_relaxed);
  }
  ~connection_gauge() { m_.http_connections_open.fetch_sub(1, std::memory_order_relaxed); }
  connection_gauge(const connection_gauge&) = delete;
  connection_gauge& operator=(const connection_gauge&) = delete;
  telemetry::metrics& m_;
};

std::optional<std::string> header_value(const bhttp::request<bhttp::string_body>& req,
                                        std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) {
    return std::nullopt;
  }
  return std::string(it->value());
}

request to_request(bhttp::request<bhttp::string_body>& req) {
  request r;
  r.verb = parse_method(req.method_string());
  r.target = std::string(req.target());
  r.content_type = header_value(req, "Content-Type").value_or("");
  r.accept = header_value(req, "Accept");
  r.last_event_id = header_value(req, "Last-Event-ID");
  r.producer_seq = header_value(req, "Producer-Seq");
  r.authorization = header_value(req, "Authorization");
  r.cookie = header_value(req, "Cookie");
  r.idempotency_key = header_value(req, "Idempotency-Key");
  r.body = std::move(req.body());
  return r;
}

bhttp::response<bhttp::string_body> to_beast(response r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "sse-gateway");
  if (!r.content_type.empty()) {
    res.set(bhttp::field::content_type, r.content_type);
  }
  for (auto& [name, value] : r.headers) {
    res.insert(name, value);
  }
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (r.status == 204 || r.status == 304) {
    res.erase(bhttp::field::content_length);  // RFC 9110 8.6: never on 204
  }
  return res;
}

bool is_http_parse_error(const boost::system::error_code& ec) {
  return ec.category() == make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

/// The answer to a request that could not be read: 413, 431 or 400, or nothing (just close).
std::optional<response> read_error_response(const boost::system::error_code& ec,
                                            std::size_t max_body_bytes) {
  if (ec == bhttp::error::body_limit) {
    return error_response(make_api_error(
        errc::too_large,
        "request body over the limit of " + std::to_string(max_body_bytes) + " bytes"));
  }
  if (ec == bhttp::error::header_limit) {
    return error_response(431, "request_header_fields_too_large",
                          "request headers over the size or count limit");
  }
  if (is_http_parse_error(ec)) {
    return error_response(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

std::string client_ip(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  auto ep = stream.socket().remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

/// A read deadline that cancels the pending read instead of closing the socket (a Beast
/// tcp_stream timeout closes it), so that a client too slow to send its request still gets 408.
class read_deadline {
 public:
  read_deadline(beast::tcp_stream& stream, std::chrono::steady_clock::duration d)
      : state_(std::make_shared<state>(stream.get_executor())) {
    state_->timer.expires_after(d);
    state_->timer.async_wait(
        [st = state_, &socket = stream.socket()](const boost::system::error_code& ec) {
          if (!ec && !st->done) {
            st->fired = true;
            boost::system::error_code ignored;
            socket.cancel(ignored);
          }
        });
  }
  ~read_deadline() {
    state_->done = true;  // a completion already queued must not touch the socket
    state_->timer.cancel();
  }
  read_deadline(const read_deadline&) = delete;
  read_deadline& operator=(const read_deadline&) = delete;
  bool fired() const noexcept { return state_->fired; }

 private:
  struct state {
    explicit state(const net::any_io_executor& ex) : timer(ex) {}
    net::steady_timer timer;
    bool done = false;
    bool fired = false;
  };
  std::shared_ptr<state> state_;
};

/// One request read off the connection. The parser lives only in read_request's frame, so a
/// long-lived SSE connection does not keep it.
struct incoming {
  boost::system::error_code ec;
  request req;
  unsigned version = 11;
  bool keep_alive = false;
  std::chrono::steady_clock::time_point received;
  bool timed_out = false;  ///< a read deadline passed (408 when part of a request came)
  bool partial = false;    ///< some bytes of a request arrived
};

net::awaitable<incoming> read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                      const config::config& cfg, bool first) {
  incoming in;
  stream.expires_never();  // the read_deadlines below bound the reads, and keep the socket open
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
  std::size_t n = 0;
  {
    // Slow-loris (issue 8): the headers have --header-timeout, apart from the body's time.
    // The whole request never has more than --request-timeout either.
    read_deadline deadline(
        stream, first ? std::min(cfg.header_timeout, cfg.request_timeout) : cfg.idle_timeout);
    std::tie(in.ec, n) = co_await bhttp::async_read_header(stream, buffer, parser,
                                                           net::as_tuple(net::use_awaitable));
    in.timed_out = deadline.fired();
  }
  if (!in.ec && static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) >
                    cfg.max_header_count) {
    in.ec = bhttp::error::header_limit;
  }
  in.partial = parser.got_some() || buffer.size() > 0;
  if (!in.ec && !parser.is_done()) {
    // The body may take as long as a whole request, counted from its first byte.
    read_deadline deadline(stream, cfg.request_timeout);
    if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
      std::tie(in.ec, n) =
          co_await net::async_write(stream, net::buffer(cont), net::as_tuple(net::use_awaitable));
    }
    if (!in.ec) {
      std::tie(in.ec, n) =
          co_await bhttp::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    }
    in.timed_out = deadline.fired();
  }
  in.received = std::chrono::steady_clock::now();
  stream.expires_never();
  if (!in.ec) {
    auto& breq = parser.get();
    in.version = breq.version();
    in.keep_alive = breq.keep_alive();
    in.req = to_request(breq);
  }
  co_return in;
}

/// POST /v1/relay/{route} that asks for the SSE answer itself (fetch), not a 201 to follow.
bool wants_relay_stream(const services& s, const route_match& route, const request& req) {
  if (route.kind != route_kind::relay || req.verb != method::post || s.relay == nullptr ||
      !req.accept) {
    return false;
  }
  const std::string_view a = *req.accept;
  constexpr std::string_view sse_type = "text/event-stream";
  for (std::size_t i = 0; i + sse_type.size() <= a.size(); ++i) {
    if (boost::beast::iequals(a.substr(i, sse_type.size()), sse_type)) {
      return true;
    }
  }
  return false;
}

/// Serves one request that is not a subscribe, or a subscribe answered without a stream.
/// nullopt: a subscribe streamed to its end, the connection is finished.
net::awaitable<std::optional<response>> serve(worker_context& w, session_entry& entry,
                                              beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              incoming& in) {
  services& s = w.svc();
  s.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
  route_match route = match_route(split_target(in.req.target).path);
  if (auto denied = check_access(s, route, in.req)) {
    co_return std::move(*denied);
  }
  if (auto limited = co_await check_limits(s, route, in.req, client_ip(stream))) {
    co_return std::move(*limited);
  }
  if (wants_relay_stream(s, route, in.req)) {
    // Relay with `Accept: text/event-stream`: start the call, then answer with the stream.
    auto started = co_await s.relay->start(route.stream_id, in.req.idempotency_key,
                                           std::move(in.req.body), in.req.content_type);
    if (!started) {
      co_return error_response(started.error());
    }
    buffer.clear();
    buffer.shrink_to_fit();
    co_return co_await serve_subscribe(w, entry, stream.socket(), started->stream_id, in.req,
                                       in.version, in.received, true);
  }
  if (!is_subscribe(route, in.req.verb)) {
    co_return co_await handle_request(s, route, in.req);
  }
  if (!core::is_valid_stream_id(route.stream_id)) {
    co_return error_response(make_api_error(errc::invalid_stream_id,
                                            "stream ids are 1-128 characters of [A-Za-z0-9._:-]"));
  }
  // The request buffer is not needed while streaming: give its memory back (a long-lived SSE
  // connection should cost little).
  buffer.clear();
  buffer.shrink_to_fit();
  auth::counted_hold subscriber_place;
  if (auto full = take_subscriber_place(s, route.stream_id, subscriber_place)) {
    co_return std::move(*full);
  }
  co_return co_await serve_subscribe(w, entry, stream.socket(), route.stream_id, in.req, in.version,
                                     in.received);
}

}  // namespace

net::awaitable<void> run_session(worker_context& w, tcp::socket socket) {
  services& s = w.svc();
  connection_gauge gauge(s.metrics);
  beast::tcp_stream stream(std::move(socket));
  worker_context::registration reg(w, stream.socket());
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;

  for (bool first = true; !s.draining.load(std::memory_order_relaxed); first = false) {
    reg.entry().at = session_entry::phase::reading;
    incoming in = co_await read_request(stream, buffer, s.cfg, first);
    reg.entry().at = session_entry::phase::busy;

    std::optional<response> res;
    if (in.ec) {
      if (in.timed_out && in.partial) {
        s.metrics.count_limit(telemetry::limit_request_timeout);
        res = error_response(408, "request_timeout", "the request was not received in time");
      } else {
        res = read_error_response(in.ec, s.cfg.max_body_bytes);
        if (res && res->status == 431) {
          s.metrics.count_limit(telemetry::limit_headers);
        }
      }
      if (!res) {
        break;  // EOF, timeout, reset, shutdown: nothing to answer
      }
      res->close = true;  // the position in the byte stream is unknown after a bad message
    } else {
      res = co_await serve(w, reg.entry(), stream, buffer, in);
      if (!res) {
        break;  // streamed to its end
      }
    }
    if (res->status >= 400 && res->status < 500) {
      s.metrics.bad_requests_total.fetch_add(1, std::memory_order_relaxed);
    }
    if (s.draining.load(std::memory_order_relaxed)) {
      res->close = true;
    }
    const bool keep_alive = in.keep_alive && !res->close;
    add_cors_headers(res->headers, s.cfg.cors_origin);
    auto out = to_beast(std::move(*res), in.version, keep_alive);
    stream.expires_after(s.cfg.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
    if (ec || !keep_alive) {
      break;
    }
  }
  // Send FIN first so that the client reads everything written before the close.
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

net::awaitable<void> reject_session(tcp::socket socket) {
  static constexpr std::string_view answer =
      "HTTP/1.1 503 Service Unavailable\r\n"
      "Server: sse-gateway\r\n"
      "Content-Type: application/json\r\n"
      "Retry-After: 1\r\n"
      "Connection: close\r\n"
      "Content-Length: 69\r\n"
      "\r\n"
      "{\"error\":\"too_many_connections\",\"message\":\"connection limit reached\"}";
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(5));
  co_await net::async_write(stream, net::buffer(answer), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

net::awaitable<void> reject_session(tcp::socket socket, unsigned status, std::string_view code) {
  const std::string body =
      R"({"error":")" + std::string(code) + R"(","message":"connection refused by a limit"})";
  response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body;
  r.headers.emplace_back("Retry-After", "1");
  auto out = to_beast(std::move(r), 11, false);
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace sse::http
