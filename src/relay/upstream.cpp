#include "relay/upstream.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <limits>

#include "core/text.hpp"

namespace sse::relay {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::size_t excerpt_limit = 1024;

const core::monotonic_clock& clock_of(const upstream_call& call) {
  static const core::steady_clock process_clock;  // stateless: one for every call without one
  return call.clock != nullptr ? *call.clock : process_clock;
}
constexpr auto tuple = net::as_tuple(net::use_awaitable);

bool is_ssl_error(const boost::system::error_code& ec) {
  return ec.category() == net::error::get_ssl_category() ||
         ec.category() == net::ssl::error::get_stream_category();
}

std::string read_reason(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) {
    return "timeout";
  }
  if (is_ssl_error(ec) && ec != net::ssl::error::stream_truncated) {
    return "tls";
  }
  if (ec == bhttp::error::partial_message) {
    return "reset";  // the connection closed inside the body
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    return "protocol";
  }
  return "reset";
}

/// Clears the control's abort when the call's stream goes away.
struct abort_guard {
  std::shared_ptr<upstream_control> control;
  ~abort_guard() { control->clear_abort(); }
};

/// What an exchange tells the caller about its connection.
struct exchange_state {
  bool answered = false;  ///< a byte of the response arrived (else a retry is safe)
  bool reusable = false;  ///< the response finished cleanly and the upstream keeps it alive
};

template <class Stream>
net::awaitable<void> exchange(Stream& s, const upstream_call& call, upstream_control& control,
                              const event_handler& on_events, core::steady_time_point started,
                              upstream_outcome& out, exchange_state& state) {
  const route& r = *call.r;
  const core::monotonic_clock& clock = clock_of(call);
  auto& lowest = beast::get_lowest_layer(s);
  const core::steady_time_point total_deadline = started + r.total_timeout;
  // Relative to the call's clock: the stream's timer itself runs on real steady time.
  auto arm = [&] {
    const auto now = clock.now();
    lowest.expires_after(std::min(now + r.idle_timeout, total_deadline) - now);
  };

  bhttp::request<bhttp::string_body> req;
  req.version(11);
  req.method_string(r.method);
  req.target(r.url.target);
  const bool default_port = r.url.port == (r.url.tls ? 443 : 80);
  const std::string host =
      r.url.host.find(':') != std::string::npos ? "[" + r.url.host + "]" : r.url.host;
  req.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(r.url.port));
  req.set(bhttp::field::user_agent, "sse-gateway-relay");
  req.set(bhttp::field::accept, "text/event-stream");
  if (!call.body.empty() || r.method != "GET") {
    req.set(bhttp::field::content_type,
            call.content_type.empty() ? std::string("application/json") : call.content_type);
  }
  for (const auto& [name, value] : r.headers) {
    req.set(name, value);
  }
  req.body() = call.body;
  req.prepare_payload();
  req.keep_alive(true);  // the connection goes back to the pool after a clean answer

  arm();
  auto [wec, wn] = co_await bhttp::async_write(s, req, tuple);
  if (wec) {
    out.reason = control.cancelled() ? "" : read_reason(wec);
    out.what =
        control.cancelled() ? upstream_outcome::kind::cancelled : upstream_outcome::kind::failed;
    co_return;
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  arm();
  auto [hec, hn] = co_await bhttp::async_read_header(s, buffer, parser, tuple);
  state.answered = parser.got_some() || buffer.size() > 0;
  if (hec) {
    out.what =
        control.cancelled() ? upstream_outcome::kind::cancelled : upstream_outcome::kind::failed;
    out.reason = control.cancelled() ? "" : read_reason(hec);
    co_return;
  }
  out.ttfb = std::chrono::duration_cast<milliseconds>(clock.now() - started);
  const auto& head = parser.get();
  out.upstream_status = head.result_int();
  const std::string_view ctype = head[bhttp::field::content_type];
  const bool is_sse = ctype.size() >= 17 && core::iequals(ctype.substr(0, 17), "text/event-stream");
  const bool ok_status = out.upstream_status >= 200 && out.upstream_status < 300;

  std::array<char, 8192> chunk{};
  stream::sse_parser sse;
  std::string excerpt;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    arm();
    // read_some, not read: read would wait until the chunk buffer is full, holding tokens back.
    auto [ec, n] = co_await bhttp::async_read_some(s, buffer, parser, tuple);
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    const std::size_t got = chunk.size() - parser.get().body().size;
    const std::string_view bytes(chunk.data(), got);
    if (ok_status && is_sse) {
      auto events = sse.feed(bytes);
      if (!events.empty()) {
        out.events += events.size();
        if (!co_await on_events(std::move(events))) {
          out.what = upstream_outcome::kind::cancelled;
          co_return;
        }
      }
    } else {
      excerpt.append(
          bytes.substr(0, excerpt_limit + 1 - std::min(excerpt.size(), excerpt_limit + 1)));
      if (excerpt.size() > excerpt_limit) {
        break;  // enough to say what went wrong
      }
    }
    if (control.cancelled()) {
      out.what = upstream_outcome::kind::cancelled;
      co_return;
    }
    if (ec) {
      if (ec == net::ssl::error::stream_truncated && parser.is_done()) {
        break;
      }
      if (ok_status && is_sse) {
        out.what = upstream_outcome::kind::failed;
        out.reason = read_reason(ec);
        co_return;
      }
      break;  // a failed answer is reported with what arrived of it
    }
  }
  if (!ok_status || !is_sse) {
    out.what = upstream_outcome::kind::failed;
    out.reason = ok_status ? "not_sse" : "upstream_status";
    if (excerpt.size() > excerpt_limit) {
      excerpt.resize(excerpt_limit);
      excerpt += "...";
    }
    out.body_excerpt = redact(std::move(excerpt), r);
    state.reusable =
        parser.is_done() && parser.get().keep_alive() && buffer.size() == 0 && !control.cancelled();
    co_return;
  }
  out.what = upstream_outcome::kind::completed;
  state.reusable = parser.get().keep_alive() && buffer.size() == 0 && !control.cancelled();
}

/// Resolves, connects and (https) handshakes a new connection; on failure fills `out` and
/// answers nullptr.
net::awaitable<std::unique_ptr<upstream_connection>> open_connection(const route& r,
                                                                     net::ssl::context& tls,
                                                                     upstream_control& control,
                                                                     upstream_outcome& out) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  // The resolver has no deadline of its own: the connect timeout bounds it too.
  // The handler may run after this frame is gone (expired just as the resolve finished): it
  // reaches the resolver only through a weak pointer that dies with the frame.
  auto resolving = std::make_shared<tcp::resolver*>(&resolver);
  net::steady_timer resolve_deadline(ex, r.connect_timeout);
  resolve_deadline.async_wait(
      [weak = std::weak_ptr<tcp::resolver*>(resolving)](const boost::system::error_code& ec) {
        if (auto p = weak.lock(); p && !ec) {
          (*p)->cancel();
        }
      });
  auto [rec, endpoints] =
      co_await resolver.async_resolve(r.url.host, std::to_string(r.url.port), tuple);
  const bool resolve_timed_out = resolve_deadline.cancel() == 0 && rec;
  if (rec) {
    out.reason = resolve_timed_out ? "timeout" : "resolve";
    co_return nullptr;
  }

  auto conn = std::make_unique<upstream_connection>(ex, r.url.tls ? &tls : nullptr);
  control.set_abort(ex, [c = conn.get()] { c->close(); });
  beast::tcp_stream& lowest = conn->lowest();
  lowest.expires_after(r.connect_timeout);
  auto [cec, ep] = co_await lowest.async_connect(endpoints, tuple);
  if (cec) {
    control.clear_abort();
    out.what =
        control.cancelled() ? upstream_outcome::kind::cancelled : upstream_outcome::kind::failed;
    out.reason = control.cancelled() ? "" : (cec == beast::error::timeout ? "timeout" : "connect");
    co_return nullptr;
  }
  if (r.url.tls) {
    auto& secure = conn->secure();
    // SNI, and the certificate must name the host.
    if (!SSL_set_tlsext_host_name(secure.native_handle(), r.url.host.c_str())) {
      control.clear_abort();
      out.reason = "tls";
      co_return nullptr;
    }
    secure.set_verify_callback(net::ssl::host_name_verification(r.url.host));
    lowest.expires_after(r.connect_timeout);
    auto [tec] = co_await secure.async_handshake(net::ssl::stream_base::client, tuple);
    if (tec) {
      control.clear_abort();
      out.what =
          control.cancelled() ? upstream_outcome::kind::cancelled : upstream_outcome::kind::failed;
      out.reason = control.cancelled() ? "" : (tec == beast::error::timeout ? "timeout" : "tls");
      co_return nullptr;
    }
  }
  co_return conn;
}

net::awaitable<void> exchange_on(upstream_connection& c, const upstream_call& call,
                                 upstream_control& control, const event_handler& on_events,
                                 core::steady_time_point started, upstream_outcome& out,
                                 exchange_state& state) {
  if (c.is_tls()) {
    co_await exchange(c.secure(), call, control, on_events, started, out, state);
  } else {
    co_await exchange(c.plain(), call, control, on_events, started, out, state);
  }
}

}  // namespace

void upstream_control::cancel() {
  cancelled_.store(true, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (ex_) {
    // The abort runs on the call's executor; it looks again in case the call ended meanwhile.
    net::post(*ex_, [self = shared_from_this()] {
      std::function<void()> abort;
      {
        std::lock_guard l(self->mutex_);
        abort = self->abort_;
      }
      if (abort) {
        abort();
      }
    });
  }
}

void upstream_control::set_abort(net::any_io_executor ex, std::function<void()> abort) {
  std::lock_guard lock(mutex_);
  ex_ = std::move(ex);
  abort_ = std::move(abort);
}

void upstream_control::clear_abort() {
  std::lock_guard lock(mutex_);
  abort_ = nullptr;
}

std::shared_ptr<net::ssl::context> make_client_tls_context(const std::string& extra_ca_pem) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);  // the system CA store; a missing one fails verification
  if (!extra_ca_pem.empty()) {
    ctx->add_certificate_authority(net::buffer(extra_ca_pem), ec);
  }
  ctx->set_verify_mode(net::ssl::verify_peer, ec);
  return ctx;
}

std::string redact(std::string text, const route& r) {
  static constexpr std::string_view mask = "[redacted]";
  for (const auto& [name, value] : r.headers) {
    if (value.size() < 4) {
      continue;  // too short to be a secret, and would mask ordinary text
    }
    for (auto at = text.find(value); at != std::string::npos;
         at = text.find(value, at + mask.size())) {
      text.replace(at, value.size(), mask);
    }
    // The key alone (e.g. after "Bearer ") is a secret too.
    if (const auto space = value.rfind(' ');
        space != std::string::npos && value.size() - space > 8) {
      const std::string key = value.substr(space + 1);
      for (auto at = text.find(key); at != std::string::npos;
           at = text.find(key, at + mask.size())) {
        text.replace(at, key.size(), mask);
      }
    }
  }
  return text;
}

net::awaitable<upstream_outcome> call_upstream(upstream_call call, net::ssl::context& tls,
                                               std::shared_ptr<upstream_control> control,
                                               event_handler on_events, upstream_pool* pool) {
  upstream_outcome out;
  const route& r = *call.r;
  const auto started = clock_of(call).now();
  auto ex = co_await net::this_coro::executor;
  if (control->cancelled()) {
    out.what = upstream_outcome::kind::cancelled;
    co_return out;
  }
  abort_guard guard{control};
  const std::string key = pool != nullptr ? upstream_pool::key_of(r.url) : std::string();
  std::unique_ptr<upstream_connection> conn;
  exchange_state state;
  if (pool != nullptr) {
    conn = pool->take(key, ex);
  }
  if (conn) {
    control->set_abort(ex, [c = conn.get()] { c->close(); });
    co_await exchange_on(*conn, call, *control, on_events, started, out, state);
    if (out.what == upstream_outcome::kind::failed && !state.answered && !control->cancelled()) {
      // The upstream had closed the idle connection: nothing of the request was answered, so
      // it goes again, once, on a new connection.
      control->clear_abort();
      conn.reset();
      out = upstream_outcome{};
      state = exchange_state{};
      pool->stale_retries.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!conn) {
    conn = co_await open_connection(r, tls, *control, out);
    if (!conn) {
      co_return out;
    }
    if (pool != nullptr) {
      pool->opened.fetch_add(1, std::memory_order_relaxed);
    }
    co_await exchange_on(*conn, call, *control, on_events, started, out, state);
  }
  control->clear_abort();
  if (pool != nullptr && state.reusable && !control->cancelled()) {
    pool->give_back(key, std::move(conn));
  }
  if (out.what == upstream_outcome::kind::failed && control->cancelled()) {
    out.what = upstream_outcome::kind::cancelled;
    out.reason.clear();
  }
  co_return out;
}

}  // namespace sse::relay
