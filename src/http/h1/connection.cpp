#include "http/h1/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>

#include "http/cors.hpp"
#include "http/h1/request_reader.hpp"
#include "http/h1/sse_sink.hpp"
#include "http/h1/write.hpp"
#include "http/h2/connection.hpp"
#include "http/h2/prior_knowledge.hpp"
#include "http/open_gauge.hpp"
#include "http/request_life.hpp"
#include "http/tls_layer.hpp"

namespace sse::http::h1 {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

// The request loop below is a template over the stream, instantiated here only, for
// plain_stream and tls_stream (run_session and run_tls_session). A streamed answer sees the
// connection through its sse_sink (see sse_transport.hpp for why that part is not a template).

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

/// What SSE frames are written to: the bare socket for plain HTTP (as before TLS existed: no
/// tcp_stream timer on the long-lived path), the TLS stream for HTTPS.
inline tcp::socket& sse_stream_of(plain_stream& stream) {
  return stream.socket();
}
inline tls_stream& sse_stream_of(tls_stream& stream) {
  return stream;
}

/// A request of this connection, as serve_request sees it: when it turns into a stream, the
/// read buffer's memory goes back (a long-lived SSE connection should cost little; nothing is
/// read after a stream) and the connection's sink takes over, framing for the request's version.
template <class Sink>
class h1_exchange final : public exchange {
 public:
  h1_exchange(beast::flat_buffer& buffer, Sink& sink, unsigned version)
      : buffer_(buffer), sink_(sink), version_(version) {}
  sse_transport& open_sse() override {
    buffer_.clear();
    buffer_.shrink_to_fit();
    sink_.set_version(version_);
    return sink_;
  }

 private:
  beast::flat_buffer& buffer_;
  Sink& sink_;
  unsigned version_;
};

/// The SSE sink of a connection over `Stream`.
template <class Stream>
using sink_for =
    sse_sink<std::remove_reference_t<decltype(sse_stream_of(std::declval<Stream&>()))>>;

/// What a streamed request's access line needs, kept while it streams (only with --access-log).
struct access_line {
  std::string method;
  std::string target;
  request_info info;
  access_note note;
};

/// A subscribe's stream that the request loop hands back to the session, which runs it once the
/// loop's frames are gone (see ready_stream), then logs it. Small: it lives in the session's
/// frame for the whole stream.
struct stream_handoff {
  ready_stream stream;
  std::unique_ptr<access_line> log;
};

void log_streamed(services& s, const stream_handoff& h, std::uint64_t bytes) {
  if (h.log) {
    log_access(s, h.log->method, h.log->target, h.log->info, 200, bytes, h.log->note);
  }
}

/// Requests until the client closes, a timeout, an error, a finished stream or shutdown; a
/// subscribe's stream is handed back to run.
template <class Stream>
net::awaitable<std::optional<stream_handoff>> request_loop(worker_context& w,
                                                           worker_context::registration& reg,
                                                           Stream& stream, sink_for<Stream>& sink) {
  services& s = w.svc();
  beast::flat_buffer buffer;
  // Read while connected: after a stream ends the socket may be closed already.
  request_info info{client_ip(stream), {}};
  for (bool first = true; !s.draining.load(std::memory_order_relaxed); first = false) {
    reg.entry().at = session_entry::phase::reading;
    incoming in = co_await read_request(stream, buffer, s.cfg, first, &s.steady);
    s.metrics.count_written(telemetry::protocol_http1, in.interim_bytes);
    reg.entry().at = session_entry::phase::busy;
    info.received = in.received;
    access_note note;

    std::optional<response> res;
    if (in.ec || in.refused) {
      res = refusal_of(in, s.cfg.max_body_bytes);
      if (!res) {
        break;  // EOF, timeout, reset, shutdown: nothing to answer
      }
      if (res->status == 408) {
        s.metrics.count_limit(telemetry::limit_request_timeout);
      } else if (res->status == 431) {
        s.metrics.count_limit(telemetry::limit_headers);
      }
    } else {
      h1_exchange ex(buffer, sink, in.version);
      served out = co_await serve_request(w, reg.entry(), ex, in.req, info, note);
      if (out.stream) {
        stream_handoff handoff{std::move(*out.stream), nullptr};
        if (s.cfg.access_log) {
          handoff.log.reset(new access_line{std::move(in.req.method_name), std::move(in.req.target),
                                            std::move(info), std::move(note)});
        }
        co_return handoff;
      }
      res = std::move(out.answer);
      if (!res) {
        note.streamed_bytes = sink.written();
        log_access(s, in.req, info, 200, note.streamed_bytes, note);
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
    add_cors_headers(s.cfg.cors_origin, in.req, *res);
    auto out = to_beast(std::move(*res), in.version, keep_alive);
    if (in.req.verb == method::head) {
      // RFC 9110 9.3.2: the GET answer's header (its Content-Length included), never a body,
      // whatever the status: the client reads none, so a body would be taken for the next answer.
      out.body().clear();
    }
    beast::get_lowest_layer(stream).expires_after(s.cfg.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
    s.metrics.count_written(telemetry::protocol_http1, n);
    log_access(s, in.req, info, out.result_int(), n, note);
    if (ec || !keep_alive) {
      break;
    }
  }
  co_return std::nullopt;
}

template <class Stream>
net::awaitable<boost::system::error_code> write_answer(Stream& stream, response answer,
                                                       telemetry::metrics& metrics) {
  const auto out = to_beast(std::move(answer), 11, false);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  auto [ec, n] = co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
  metrics.count_written(telemetry::protocol_http1, n);
  co_return ec;
}

}  // namespace

net::awaitable<boost::system::error_code> write_refusal(plain_stream& stream, response answer,
                                                        telemetry::metrics& metrics) {
  return write_answer(stream, std::move(answer), metrics);
}

net::awaitable<boost::system::error_code> write_refusal(tls_stream& stream, response answer,
                                                        telemetry::metrics& metrics) {
  return write_answer(stream, std::move(answer), metrics);
}

net::awaitable<void> run_session(worker_context& w, tcp::socket socket) {
  services& s = w.svc();
  open_gauge gauge(s.metrics.http_connections_open);
  // Beast's tcp_stream (its timeouts) while requests are read; an SSE stream needs the socket
  // alone, and the tcp_stream's state (two timers, ~0.5 KB) goes before it starts.
  std::optional<plain_stream> reading(std::in_place, std::move(socket));
  plain_stream& stream = *reading;
  // Registered (phase reading) from the start: shutdown closes a connection still being peeked
  // as it closes an idle one.
  worker_context::registration reg(w, stream.socket());
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  if (s.cfg.http2) {
    // HTTP/2 with prior knowledge is told by its first bytes (peeked, not consumed). Here
    // rather than in a coroutine around this one: a caller's frame would stay allocated under
    // every HTTP/1.1 connection, SSE streams included, for its whole life.
    switch (co_await h2::peek_first_bytes(
        stream.socket(), std::min(s.cfg.header_timeout, s.cfg.request_timeout), s.steady)) {
      case h2::first_bytes::none:
        finish_socket(stream.socket());
        co_return;
      case h2::first_bytes::http2:
        co_await h2::serve(w, reg, stream.socket());
        finish_socket(stream.socket());
        co_return;
      case h2::first_bytes::http1:
        break;
    }
  }
  sink_for<plain_stream> sink(stream.socket(), s.metrics);
  if (auto handoff = co_await request_loop(w, reg, stream, sink)) {
    socket = stream.release_socket();  // the parameter, moved from above: no second socket
    reading.reset();
    reg.entry().socket = &socket;
    sink.rebind(socket);
    co_await handoff->stream.run();
    log_streamed(s, *handoff, sink.written());
    finish_socket(socket);
    co_return;
  }
  finish_socket(stream.socket());
}

net::awaitable<void> run_tls_session(worker_context& w, tcp::socket socket,
                                     net::ssl::context& tls) {
  services& s = w.svc();
  open_gauge gauge(s.metrics.http_connections_open);
  tls_stream stream(plain_stream(std::move(socket)), tls);
  worker_context::registration reg(w, raw_socket(stream));
  boost::system::error_code ignored;
  raw_socket(stream).set_option(tcp::no_delay(true), ignored);
  if (!co_await start_tls(s, stream, std::min(s.cfg.header_timeout, s.cfg.request_timeout))) {
    co_return;
  }
  if (s.cfg.http2 && h2::alpn_chose_h2(stream)) {
    co_await h2::serve(w, reg, stream);  // the connection counts once, in the gauge above
  } else {
    sink_for<tls_stream> sink(stream, s.metrics);
    if (auto handoff = co_await request_loop(w, reg, stream, sink)) {
      co_await handoff->stream.run();
      log_streamed(s, *handoff, sink.written());
    }
  }
  co_await close_tls(stream);
}

net::awaitable<void> reject_session(worker_context& w, tcp::socket socket, refusal why) {
  plain_stream stream(std::move(socket));
  worker_context::registration reg(w, stream.socket());
  reg.entry().at = session_entry::phase::busy;
  co_await write_refusal(stream, refuse(why), w.svc().metrics);
  finish_socket(stream.socket());
}

net::awaitable<void> reject_tls_session(worker_context& w, tcp::socket socket,
                                        net::ssl::context& tls, refusal why) {
  services& s = w.svc();
  tls_stream stream(plain_stream(std::move(socket)), tls);
  worker_context::registration reg(w, raw_socket(stream));  // reading until the handshake is done
  std::string error;
  if (co_await tls_handshake(stream, std::min(s.cfg.header_timeout, s.cfg.request_timeout),
                             error) != handshake_result::done) {
    finish_socket(raw_socket(stream));
    co_return;
  }
  reg.entry().at = session_entry::phase::busy;
  co_await write_refusal(stream, refuse(why), s.metrics);
  co_await close_tls(stream);
}

}  // namespace sse::http::h1
