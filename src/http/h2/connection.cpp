#include "http/h2/connection.hpp"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <memory>
#include <unordered_map>

#include "http/cors.hpp"
#include "http/h2/queue_budget.hpp"
#include "http/h2/session.hpp"
#include "http/h2/stream.hpp"
#include "http/open_gauge.hpp"
#include "http/read_deadline.hpp"
#include "http/refusal.hpp"
#include "http/request_life.hpp"
#include "telemetry/names.hpp"

namespace sse::http::h2 {
namespace {

namespace net = boost::asio;

/// Bytes gathered from the session into one socket write.
constexpr std::size_t write_chunk = 64 * 1024;

/// How long a stream's write may wait for its window before, over the connection's bound, it
/// counts as stalled: longer than a WINDOW_UPDATE round trip of a reader that keeps up.
constexpr std::chrono::seconds stall_grace{1};

/// --http2-max-connection-queue-bytes, 0 meaning four times --max-queue-bytes: a few streams
/// may each fill their own queue before the connection's bound is what stops them.
std::size_t connection_queue_bound(const config::config& cfg) {
  return cfg.http2_max_connection_queue_bytes != 0 ? cfg.http2_max_connection_queue_bytes
                                                   : 4 * cfg.max_queue_bytes;
}

template <class Io>
class connection final : public session_handler, public stream_owner, public shutdown_listener {
 public:
  connection(worker_context& w, Io& io)
      : w_(w),
        s_(w.svc()),
        io_(io),
        client_ip_(client_ip(io)),
        session_(*this, session_limits{static_cast<std::uint32_t>(s_.cfg.http2_max_streams),
                                       static_cast<std::uint32_t>(s_.cfg.max_header_bytes)}),
        budget_(connection_queue_bound(s_.cfg), stall_grace),
        wake_(io.get_executor(), std::chrono::steady_clock::time_point::max()),
        done_(io.get_executor(), std::chrono::steady_clock::time_point::max()) {}

  net::awaitable<void> run(session_entry& entry) {
    using namespace net::experimental::awaitable_operators;
    open_gauge h2_open(s_.metrics.http2_connections_open);
    // Shutdown reaches the connection, which sends GOAWAY and passes it on to its streams.
    entry.at = session_entry::phase::streaming;
    entry.sse = this;
    if (s_.draining.load(std::memory_order_relaxed)) {
      session_.goaway();
    }
    co_await (reader() || writer());
    entry.sse = nullptr;
    for (auto& [id, st] : streams_) {
      st->closed();
    }
    s_.metrics.http2_streams_open.fetch_sub(static_cast<std::int64_t>(streams_.size()),
                                            std::memory_order_relaxed);
    streams_.clear();
    while (running_ > 0) {  // each stream's coroutine refers to this connection
      done_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await done_.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

  // stream_owner
  session& h2_session() noexcept override { return session_; }
  void wake_writer() override { wake_.cancel(); }
  void held_changed(std::int32_t id, std::size_t bytes) override {
    const bool was_over = budget_.over();
    budget_.hold(id, bytes, s_.steady.now());
    if (!was_over && budget_.over()) {
      wake_writer();  // frames queued behind a stalled write: the writer looks for whom to drop
    }
  }

  // shutdown_listener: GOAWAY; each SSE stream sends its final comment and finishes.
  void notify_shutdown() override {
    session_.goaway();
    for (auto& [id, st] : streams_) {
      if (st->entry.sse != nullptr) {
        st->entry.sse->notify_shutdown();
      }
    }
    wake_writer();
  }

  // session_handler
  void on_stream_begin(std::int32_t id) override {
    auto st = std::make_shared<stream>(id, *this, io_.get_executor(), s_.cfg);
    st->received = s_.steady.now();
    // A request that never ends (HEADERS without END_STREAM, a body that stops coming) holds one
    // of the connection's streams: it gets its 408 after --request-timeout, as over HTTP/1.1.
    st->request_deadline.expires_after(s_.cfg.request_timeout);
    ++running_;  // the handler refers to this connection
    st->request_deadline.async_wait([this, st](boost::system::error_code ec) {
      if (!ec) {
        request_timed_out(*st);
      }
      stream_coroutine_done();
    });
    streams_[id] = std::move(st);
    s_.metrics.http2_streams_open.fetch_add(1, std::memory_order_relaxed);
    s_.metrics.http2_streams_total.fetch_add(1, std::memory_order_relaxed);
  }
  bool on_header(std::int32_t id, std::string_view name, std::string_view value) override {
    if (auto* st = find(id); st != nullptr && !st->request_done) {
      st->incoming().add_header(name, value);
    }
    return true;
  }
  void on_body(std::int32_t id, std::string_view bytes) override {
    if (auto* st = find(id); st != nullptr && !st->request_done) {
      st->incoming().add_body(bytes, s_.cfg.max_body_bytes);
    }
  }
  void on_request_end(std::int32_t id) override {
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second->request_done) {
      return;  // gone, or answered 408 already
    }
    it->second->request_done = true;
    it->second->request_deadline.cancel();
    it->second->received = s_.steady.now();
    net::co_spawn(io_.get_executor(), serve_stream(it->second), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("HTTP/2 stream failed: {}", ex.what());
        }
      }
    });
  }
  void on_stream_close(std::int32_t id, std::uint32_t) override {
    auto it = streams_.find(id);
    if (it != streams_.end()) {
      it->second->closed();
      streams_.erase(it);
      s_.metrics.http2_streams_open.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  std::size_t read_body(std::int32_t id, std::span<std::uint8_t> out, bool& eof,
                        bool& deferred) override {
    if (auto* st = find(id)) {
      return st->read_body(out, eof, deferred);
    }
    eof = true;
    return 0;
  }
  void on_connection_error(std::uint32_t error_code) override {
    s_.metrics.http2_connection_errors_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("HTTP/2 connection from {} ended: GOAWAY {}", client_ip_,
                  nghttp2_http2_strerror(error_code));
  }

 private:
  /// One of the operations run() waits for (a stream's coroutine, a request deadline) is over.
  void stream_coroutine_done() {
    if (--running_ == 0) {
      done_.cancel();
    }
  }

  /// --request-timeout passed before the request's END_STREAM: 408 on that stream alone (the
  /// session then resets it with NO_ERROR, as the request is still open), the rest of the
  /// connection goes on.
  void request_timed_out(stream& st) {
    if (st.request_done || st.is_closed()) {
      return;
    }
    st.request_done = true;
    request req = st.incoming().take();
    const request_info info{client_ip_, s_.steady.now()};
    s_.metrics.count_limit(telemetry::limit_request_timeout);
    s_.metrics.bad_requests_total.fetch_add(1, std::memory_order_relaxed);
    response res = refuse(refusal::request_timeout);
    add_cors_headers(s_.cfg.cors_origin, req, res);
    const std::size_t bytes = res.body.size();
    st.respond(std::move(res), false);
    log_access(s_, req, info, 408, bytes, access_note{});
  }

  /// nghttp2 sent all that the windows allow and the connection still holds more than its bound:
  /// the stalled streams holding the most (shut windows) are reset as slow clients; each resumes
  /// with Last-Event-ID like any dropped client, and streams that read lose nothing.
  bool drop_over_budget() {
    const auto now = s_.steady.now();
    const std::size_t held = budget_.total();
    const auto chosen = budget_.over_limit(now);
    for (const auto& h : chosen) {
      stream* st = find(h.stream);
      if (st == nullptr || st->is_closed()) {
        budget_.hold(h.stream, 0, now);
        continue;
      }
      st->drop_slow();
      s_.metrics.slow_clients_dropped_total.fetch_add(1, std::memory_order_relaxed);
      s_.sink.emit(telemetry::event{std::string(telemetry::names::slow_client_dropped),
                                    st->note.stream_id,
                                    {{"queued_bytes", h.bytes},
                                     {"connection_queued_bytes", held},
                                     {"bound", "http2_connection"}},
                                    0});
    }
    return !chosen.empty();
  }

  stream* find(std::int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  net::awaitable<void> reader() {
    std::array<char, 16 * 1024> buf;
    bool broken = false;
    for (;;) {
      std::optional<read_deadline> idle;
      if (streams_.empty()) {
        idle.emplace(raw_socket(io_), s_.cfg.idle_timeout);
      }
      auto [ec, n] =
          co_await io_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      if (idle && idle->fired()) {
        session_.goaway();  // idle: the writer ends once GOAWAY is out
        wake_writer();
        continue;
      }
      if (ec) {
        co_return;  // EOF, reset, closed by shutdown: nothing more can be sent either
      }
      if (!broken && !session_.receive({buf.data(), n})) {
        broken = true;  // a connection error: GOAWAY is queued; what follows is dropped
      }
      wake_writer();
    }
  }

  net::awaitable<void> writer() {
    std::vector<std::uint8_t> out;
    // Appends what the session has to send to `out`, up to write_chunk; true when it had no more
    // (all that the windows allow was taken).
    auto gather = [&] {
      while (out.size() < write_chunk) {
        const auto bytes = session_.pending_output();
        if (bytes.empty()) {
          return true;
        }
        out.insert(out.end(), bytes.begin(), bytes.end());
      }
      return false;
    };
    for (;;) {
      out.clear();
      if (gather() && budget_.over() && drop_over_budget()) {
        gather();  // their RST_STREAMs, after what was gathered already
      }
      if (out.empty()) {
        if (!session_.alive()) {
          co_return;
        }
        // Over the bound with nothing stalled yet: look again when the next stream would be.
        const auto now = s_.steady.now();
        if (const auto recheck = budget_.next_stall(now)) {
          // Relative to the injected clock: the timer itself runs on real steady time.
          wake_.expires_after(*recheck - now);
        } else {
          wake_.expires_at(net::steady_timer::time_point::max());
        }
        co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
        const auto state = co_await net::this_coro::cancellation_state;
        if (state.cancelled() != net::cancellation_type::none) {
          co_return;
        }
        continue;
      }
      auto [ec, n] =
          co_await net::async_write(io_, net::buffer(out), net::as_tuple(net::use_awaitable));
      s_.metrics.count_written(telemetry::protocol_http2, n);
      if (ec) {
        co_return;
      }
    }
  }

  /// One request's life, as over HTTP/1.1, then its answer on this stream.
  net::awaitable<void> serve_stream(std::shared_ptr<stream> st) {
    ++running_;
    struct done_guard {
      connection& c;
      ~done_guard() { c.stream_coroutine_done(); }
    } guard{*this};
    request_builder& in = st->incoming();
    request req = in.take();
    const request_info info{client_ip_, st->received};
    access_note& note = st->note;  // the stream's, for a slow drop's telemetry
    std::optional<response> res;
    if (in.headers_too_large()) {
      s_.metrics.count_limit(telemetry::limit_headers);
      res = refuse(refusal::headers_too_large);
    } else if (in.body_too_large()) {
      res = refuse(refusal::body_too_large, std::to_string(s_.cfg.max_body_bytes));
    } else {
      served out = co_await serve_request(w_, st->entry, *st, req, info, note);
      if (out.stream) {
        // One connection carries many streams: nothing to give back by running it elsewhere.
        co_await out.stream->run();
      }
      res = std::move(out.answer);
      if (!res) {
        st->cut_if_unfinished();
        note.streamed_bytes = st->streamed();
        log_access(s_, req, info, 200, note.streamed_bytes, note);
        co_return;
      }
    }
    if (res->status >= 400 && res->status < 500) {
      s_.metrics.bad_requests_total.fetch_add(1, std::memory_order_relaxed);
    }
    add_cors_headers(s_.cfg.cors_origin, req, *res);
    const unsigned status = res->status;
    const std::size_t bytes = req.verb == method::head ? 0 : res->body.size();
    st->respond(std::move(*res), req.verb == method::head);
    log_access(s_, req, info, status, bytes, note);
  }

  worker_context& w_;
  services& s_;
  Io& io_;
  std::string client_ip_;
  session session_;
  std::unordered_map<std::int32_t, std::shared_ptr<stream>> streams_;
  queue_budget budget_;     // bytes the streams' writes hold back, against the connection's bound
  net::steady_timer wake_;  // the writer waits on it when nothing is to be sent
  net::steady_timer done_;  // run() waits on it for the last stream coroutine
  std::size_t running_ = 0;
};

}  // namespace

net::awaitable<void> serve(worker_context& w, worker_context::registration& reg,
                           net::ip::tcp::socket& socket) {
  open_gauge gauge(w.svc().metrics.http_connections_open);
  connection<net::ip::tcp::socket> c(w, socket);
  co_await c.run(reg.entry());
}

net::awaitable<void> serve(worker_context& w, worker_context::registration& reg,
                           tls_stream& stream) {
  connection<tls_stream> c(w, stream);
  co_await c.run(reg.entry());
}

bool alpn_chose_h2(tls_stream& stream) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &proto, &len);
  return len == 2 && proto[0] == 'h' && proto[1] == '2';
}

}  // namespace sse::http::h2
