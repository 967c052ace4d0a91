#include "http/session.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <iterator>
#include <memory>
#include <string_view>

#include "core/stream_id.hpp"
#include "core/text.hpp"
#include "durable/door.hpp"
#include "http/access.hpp"
#include "http/access_log.hpp"
#include "http/cors.hpp"
#include "http/durable_route.hpp"
#include "http/relay_post.hpp"
#include "http/relay_service.hpp"
#include "http/request_framing.hpp"
#include "http/router.hpp"
#include "http/sse_session.hpp"
#include "http/sse_transport.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// Transport (plain or TLS): the request loop below is a template over the stream, used with
// beast::tcp_stream (plain HTTP) and beast::ssl_stream<beast::tcp_stream> (HTTPS); both are
// instantiated here only, by run_session and run_tls_session. beast::ssl_stream (not a bare
// asio::ssl::stream) because it coalesces a gather write of many small SSE frames into one TLS
// record instead of one record per frame. The SSE subscription sees the connection through
// sse_transport (see sse_transport.hpp for why that part is not a template).

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
  r.method_name = std::string(req.method_string());
  r.target = origin_form(req.target());
  r.content_type = header_value(req, "Content-Type").value_or("");
  r.accept = header_value(req, "Accept");
  r.last_event_id = header_value(req, "Last-Event-ID");
  r.accept_encoding = header_value(req, "Accept-Encoding");
  r.cache_control = header_value(req, "Cache-Control");
  r.producer_seq = header_value(req, "Producer-Seq");
  r.authorization = header_value(req, "Authorization");
  r.cookie = header_value(req, "Cookie");
  r.idempotency_key = header_value(req, "Idempotency-Key");
  r.origin = header_value(req, "Origin");
  r.cors_request_method = header_value(req, "Access-Control-Request-Method");
  if (r.target.starts_with("/v1/stream/")) {
    for (const auto& field : req) {
      r.durable_headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
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

inline tcp::socket& raw_socket(tcp::socket& socket) {
  return socket;
}

template <class Stream>
tcp::socket& raw_socket(Stream& stream) {
  return beast::get_lowest_layer(stream).socket();
}

template <class Stream>
std::string client_ip(Stream& stream) {
  boost::system::error_code ec;
  auto ep = raw_socket(stream).remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

/// A read deadline that cancels the pending read instead of closing the socket (a Beast
/// tcp_stream timeout closes it), so that a client too slow to send its request still gets 408.
class read_deadline {
 public:
  read_deadline(tcp::socket& socket, std::chrono::steady_clock::duration d)
      : state_(std::make_shared<state>(socket.get_executor())) {
    state_->timer.expires_after(d);
    state_->timer.async_wait([st = state_, &socket](const boost::system::error_code& ec) {
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
  bool timed_out = false;              ///< a read deadline passed (408 when part of a request came)
  bool partial = false;                ///< some bytes of a request arrived
  std::optional<std::string> refused;  ///< the header block is one a server must refuse: why
};

/// Reads what the peer sent next into `buffer`. EOF is end_of_stream before any byte of a
/// request and partial_message after some, as Beast's own reads report them.
template <class Stream>
net::awaitable<boost::system::error_code> read_more(Stream& stream, beast::flat_buffer& buffer) {
  constexpr std::size_t read_size = 4096;
  auto [ec, n] =
      co_await stream.async_read_some(buffer.prepare(read_size), net::as_tuple(net::use_awaitable));
  buffer.commit(n);
  if (ec == net::error::eof) {
    ec = buffer.size() == 0 ? bhttp::error::end_of_stream : bhttp::error::partial_message;
  }
  co_return ec;
}

std::string_view bytes_of(const beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

/// Reads the header block of the next request (until its empty line) into `buffer`, without
/// parsing it. The wait for its first byte is --idle-timeout between requests; the whole header
/// block then has --header-timeout from that byte (slow loris, on every request of a
/// keep-alive connection, not only the first), and the first request of a connection has it
/// from the accept. Returns the block's length; 0 with in.ec set when it did not come.
template <class Stream>
net::awaitable<std::size_t> read_header_block(Stream& stream, beast::flat_buffer& buffer,
                                              const config::config& cfg, bool first, incoming& in) {
  const auto header_limit =
      std::min<std::chrono::steady_clock::duration>(cfg.header_timeout, cfg.request_timeout);
  const auto start = std::chrono::steady_clock::now();
  if (buffer.size() == 0) {
    read_deadline deadline(
        raw_socket(stream),
        first ? header_limit : std::chrono::steady_clock::duration(cfg.idle_timeout));
    in.ec = co_await read_more(stream, buffer);
    in.timed_out = deadline.fired();
  }
  in.partial = buffer.size() > 0;
  if (in.ec) {
    co_return 0;
  }
  const auto first_byte = first ? start : std::chrono::steady_clock::now();
  read_deadline deadline(raw_socket(stream),
                         header_limit - (std::chrono::steady_clock::now() - first_byte));
  std::size_t length = 0;
  while ((length = header_block_length(bytes_of(buffer))) == 0) {
    if (buffer.size() >= cfg.max_header_bytes) {
      in.ec = bhttp::error::header_limit;
      break;
    }
    in.ec = co_await read_more(stream, buffer);
    if (in.ec) {
      break;
    }
  }
  in.timed_out = deadline.fired();
  co_return in.ec ? 0 : length;
}

template <class Stream>
net::awaitable<incoming> read_request(Stream& stream, beast::flat_buffer& buffer,
                                      const config::config& cfg, bool first) {
  incoming in;
  // The read_deadlines below bound the reads, and keep the socket open.
  beast::get_lowest_layer(stream).expires_never();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
  const std::size_t block_length = co_await read_header_block(stream, buffer, cfg, first, in);
  if (!in.ec) {
    // The whole block is in the buffer: the parser takes it in one step, with no read.
    const std::string_view block = bytes_of(buffer).substr(0, block_length);
    const std::size_t used = parser.put(net::buffer(block.data(), block.size()), in.ec);
    if (!in.ec && !parser.is_header_done()) {
      in.ec = bhttp::error::partial_message;  // cannot happen with a whole block
    }
    if (!in.ec) {
      in.refused = framing_problem(block, parser.get().version());
    }
    buffer.consume(used);
  }
  if (!in.ec && static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) >
                    cfg.max_header_count) {
    in.ec = bhttp::error::header_limit;
  }
  if (!in.ec && !in.refused && !parser.is_done()) {
    // The body may take as long as a whole request, counted from its first byte.
    read_deadline deadline(raw_socket(stream), cfg.request_timeout);
    std::size_t n = 0;
    if (core::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
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
  beast::get_lowest_layer(stream).expires_never();
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
    if (core::iequals(a.substr(i, sse_type.size()), sse_type)) {
      return true;
    }
  }
  return false;
}

/// sse_transport over a stream: the SSE writes and the peer watch of a subscription.
template <class Stream>
class stream_transport final : public sse_transport {
 public:
  explicit stream_transport(Stream& stream) : stream_(stream) {}
  void start_write(buffer_view buffers, write_handler handler) override {
    // Counts the bytes for the access log, keeping the awaiting coroutine's cancellation slot
    // (so `writer || watch_peer` still cancels the write). Bound to the stream's executor:
    // Beast's TLS stream posts through the handler's executor with blocking.never, which Boost
    // 1.81's type-erased any_completion_executor cannot take. The same worker either way.
    auto slot = handler.get_cancellation_slot();
    net::async_write(
        stream_, buffers,
        net::bind_cancellation_slot(
            slot, net::bind_executor(stream_.get_executor(),
                                     [this, h = std::move(handler)](boost::system::error_code ec,
                                                                    std::size_t n) mutable {
                                       written_ += n;
                                       std::move(h)(ec, n);
                                     })));
  }
  net::awaitable<io_result> read_some(net::mutable_buffer buffer) override {
    co_return co_await stream_.async_read_some(buffer, net::as_tuple(net::use_awaitable));
  }
  tcp::socket& socket() noexcept override { return raw_socket(stream_); }
  /// Bytes written so far (the access log's size of a whole stream).
  std::uint64_t written() const noexcept { return written_; }

 private:
  Stream& stream_;
  std::uint64_t written_ = 0;
};

/// What the access log needs to know of a request beyond its response.
struct access_note {
  std::string stream_id;             ///< once the id passed validation
  std::string relay_route;           ///< POST /v1/relay/{route}
  std::uint64_t streamed_bytes = 0;  ///< an SSE answer: every byte of the stream
};

/// What SSE frames are written to: the bare socket for plain HTTP (as before TLS existed: no
/// tcp_stream timer on the long-lived path), the TLS stream for HTTPS.
inline tcp::socket& sse_stream_of(beast::tcp_stream& stream) {
  return stream.socket();
}
inline tls_stream& sse_stream_of(tls_stream& stream) {
  return stream;
}

template <class Stream>
net::awaitable<std::optional<response>> subscribe_on(worker_context& w, session_entry& entry,
                                                     Stream& stream, const std::string& stream_id,
                                                     const incoming& in, bool announce,
                                                     access_note& note) {
  auto& target = sse_stream_of(stream);
  stream_transport<std::remove_reference_t<decltype(target)>> io(target);
  auto answer =
      co_await serve_subscribe(w, entry, io, stream_id, in.req, in.version, in.received, announce);
  note.stream_id = stream_id;
  note.streamed_bytes = io.written();
  co_return answer;
}

/// Serves one request that is not a subscribe, or a subscribe answered without a stream.
/// nullopt: a subscribe streamed to its end, the connection is finished.
template <class Stream>
net::awaitable<std::optional<response>> serve(worker_context& w, session_entry& entry,
                                              Stream& stream, beast::flat_buffer& buffer,
                                              incoming& in, access_note& note) {
  services& s = w.svc();
  s.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
  if (s.durable != nullptr && durable::is_durable_path(split_target(in.req.target).path)) {
    // The Durable Streams door: its own routing and handlers (src/durable).
    stream_transport<std::remove_reference_t<decltype(sse_stream_of(stream))>> io(
        sse_stream_of(stream));
    co_return co_await serve_durable(s, io, in.req, in.version);
  }
  route_match route = match_route(split_target(in.req.target).path);
  if (auto refused = stream_id_refusal(route, in.req.verb)) {
    co_return std::move(*refused);  // before anything acts on the id or logs it
  }
  // Only a well-formed name is logged (OPTIONS and 405 answers skip the id check).
  if (core::is_valid_stream_id(route.stream_id)) {
    (route.kind == route_kind::relay ? note.relay_route : note.stream_id) = route.stream_id;
  }
  if (auto denied = check_access(s, route, in.req)) {
    co_return std::move(*denied);
  }
  if (auto limited = co_await check_limits(s, route, in.req, client_ip(stream))) {
    co_return std::move(*limited);
  }
  if (wants_relay_stream(s, route, in.req)) {
    // Relay with `Accept: text/event-stream`: start the call, then answer with the stream.
    // The answer is one of the stream's subscribers (its place is held while it streams).
    auth::counted_hold subscriber_place;
    auto begun = co_await begin_relay(s, route.stream_id, in.req, &subscriber_place);
    if (auto* refused = std::get_if<response>(&begun)) {
      co_return std::move(*refused);
    }
    buffer.clear();
    buffer.shrink_to_fit();
    co_return co_await subscribe_on(w, entry, stream, std::get<relay_started>(begun).stream_id, in,
                                    true, note);
  }
  if (!is_subscribe(route, in.req.verb)) {
    co_return co_await handle_request(s, route, in.req);
  }
  // The request buffer is not needed while streaming: give its memory back (a long-lived SSE
  // connection should cost little).
  buffer.clear();
  buffer.shrink_to_fit();
  auth::counted_hold subscriber_place;
  if (auto full = take_subscriber_place(s, route.stream_id, subscriber_place)) {
    co_return std::move(*full);
  }
  co_return co_await subscribe_on(w, entry, stream, route.stream_id, in, false, note);
}

/// One SseAccess line (--access-log) for a request whose answer is written.
void log_access(services& s, const incoming& in, const std::string& client, unsigned status,
                std::uint64_t bytes, const access_note& note) {
  if (!s.cfg.access_log) {
    return;
  }
  access_record r;
  r.method = in.req.method_name;
  r.target = in.req.target;
  r.status = status;
  r.bytes = bytes;
  r.duration = std::chrono::steady_clock::now() - in.received;  // set even when the read failed
  r.client = client;
  r.stream_id = note.stream_id;
  r.relay_route = note.relay_route;
  s.sink.emit(access_event(r));
}

/// Requests until the client closes, a timeout, an error, a finished SSE stream or shutdown.
template <class Stream>
net::awaitable<void> request_loop(worker_context& w, worker_context::registration& reg,
                                  Stream& stream) {
  services& s = w.svc();
  beast::flat_buffer buffer;
  // Read while connected: after a stream ends the socket may be closed already.
  const std::string client = s.cfg.access_log ? client_ip(stream) : std::string();
  for (bool first = true; !s.draining.load(std::memory_order_relaxed); first = false) {
    reg.entry().at = session_entry::phase::reading;
    incoming in = co_await read_request(stream, buffer, s.cfg, first);
    reg.entry().at = session_entry::phase::busy;
    access_note note;

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
    } else if (in.refused) {
      res = error_response(400, "bad_request", *in.refused);
      res->close = true;  // where the next request would start is unknown (smuggling)
    } else {
      res = co_await serve(w, reg.entry(), stream, buffer, in, note);
      if (!res) {
        log_access(s, in, client, 200, note.streamed_bytes, note);
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
    log_access(s, in, client, out.result_int(), n, note);
    if (ec || !keep_alive) {
      break;
    }
  }
}

/// Sends FIN first so that the client reads everything written before the close.
void finish_socket(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

/// The TLS close (graceful: the client can tell the end of the stream from a cut): our
/// close_notify, then FIN. Only ours: TLS 1.2 (RFC 5246 7.2.1) and 1.3 (RFC 8446 6.1) let the
/// closing side leave without waiting for the peer's, and a client that keeps its socket after
/// the response must not hold the session. The write is bounded too (a client that reads
/// nothing cannot take even the alert).
constexpr std::chrono::seconds tls_close_wait{2};

net::awaitable<void> close_tls(tls_stream& stream) {
  if (raw_socket(stream).is_open()) {
    SSL_set_shutdown(stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
    beast::get_lowest_layer(stream).expires_after(tls_close_wait);
    co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
  }
  finish_socket(raw_socket(stream));
}

/// The first byte of a TLS connection is a handshake record (content type 22).
constexpr unsigned char tls_handshake_record = 0x16;

enum class handshake_result { done, plaintext, timed_out, failed };

/// Waits for the client's first byte (without taking it), then does the server handshake; both
/// within `limit` (the header timeout: a connection that never handshakes is a slow loris).
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

/// Plain HTTP sent to the HTTPS port: answered in plain text (the client can read that), closed.
net::awaitable<void> refuse_plaintext(tcp::socket& socket) {
  static constexpr std::string_view answer =
      "HTTP/1.1 400 Bad Request\r\n"
      "Server: sse-gateway\r\n"
      "Content-Type: application/json\r\n"
      "Connection: close\r\n"
      "Content-Length: 78\r\n"
      "\r\n"
      "{\"error\":\"tls_required\",\"message\":\"this port speaks HTTPS: use https:// URLs\"}";
  static_assert(answer.size() - answer.find("\r\n\r\n") - 4 == 78);
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(5));
  auto [ec, n] =
      co_await net::async_write(stream, net::buffer(answer), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // The client's request is still unread, and closing a socket with unread bytes sends a reset
  // that can destroy the answer before the client reads it: read and drop what it sent (bounded
  // in time and bytes) until it closes too.
  std::array<char, 4096> sink{};
  stream.expires_after(std::chrono::seconds(1));
  for (std::size_t drained = 0; !ec && drained < 64 * 1024; drained += n) {
    std::tie(ec, n) =
        co_await stream.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable));
  }
  stream.socket().close(ignored);
}

/// The handshake of a TLS connection, with its failures logged and counted. True: go on.
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
      co_await refuse_plaintext(raw_socket(stream));
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

template <class Stream>
net::awaitable<void> write_refusal(Stream& stream, const bhttp::response<bhttp::string_body>& out) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, out, net::as_tuple(net::use_awaitable));
}

bhttp::response<bhttp::string_body> refusal(unsigned status, std::string_view code,
                                            std::string_view message) {
  response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = R"({"error":")" + std::string(code) + R"(","message":")" + std::string(message) + "\"}";
  r.headers.emplace_back("Retry-After", "1");
  return to_beast(std::move(r), 11, false);
}

}  // namespace

net::awaitable<void> run_session(worker_context& w, tcp::socket socket) {
  connection_gauge gauge(w.svc().metrics);
  beast::tcp_stream stream(std::move(socket));
  worker_context::registration reg(w, stream.socket());
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  co_await request_loop(w, reg, stream);
  finish_socket(stream.socket());
}

net::awaitable<void> run_tls_session(worker_context& w, tcp::socket socket,
                                     net::ssl::context& tls) {
  services& s = w.svc();
  connection_gauge gauge(s.metrics);
  tls_stream stream(beast::tcp_stream(std::move(socket)), tls);
  worker_context::registration reg(w, raw_socket(stream));
  boost::system::error_code ignored;
  raw_socket(stream).set_option(tcp::no_delay(true), ignored);
  if (!co_await start_tls(s, stream, std::min(s.cfg.header_timeout, s.cfg.request_timeout))) {
    co_return;
  }
  co_await request_loop(w, reg, stream);
  co_await close_tls(stream);
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
  finish_socket(stream.socket());
}

net::awaitable<void> reject_session(tcp::socket socket, unsigned status, std::string_view code) {
  auto out = refusal(status, code, "connection refused by a limit");
  beast::tcp_stream stream(std::move(socket));
  co_await write_refusal(stream, out);
  finish_socket(stream.socket());
}

net::awaitable<void> reject_tls_session(tcp::socket socket, net::ssl::context& tls, unsigned status,
                                        std::string_view code,
                                        std::chrono::steady_clock::duration handshake_limit) {
  // Owned here: the caller's string_view may not outlive the handshake.
  auto out = status == 503 ? refusal(503, "too_many_connections", "connection limit reached")
                           : refusal(status, code, "connection refused by a limit");
  tls_stream stream(beast::tcp_stream(std::move(socket)), tls);
  std::string error;
  if (co_await tls_handshake(stream, handshake_limit, error) != handshake_result::done) {
    finish_socket(raw_socket(stream));
    co_return;
  }
  co_await write_refusal(stream, out);
  co_await close_tls(stream);
}

}  // namespace sse::http
