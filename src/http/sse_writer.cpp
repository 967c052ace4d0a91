// The streaming half of sse_subscription: it moves the bytes and the time that its
// subscription_machine (m_) decides about: header, frames, heartbeats, final chunk; and the peer
// watch. Everything runs on the session's worker.

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <limits>

#include "http/sse_subscription.hpp"
#include "http/sse_util.hpp"
#include "stream/sse_encoder.hpp"
#include "telemetry/names.hpp"

namespace sse::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

/// The bytes of a response header, as Beast's serializer writes them (the body follows).
std::string header_bytes(const bhttp::response<bhttp::empty_body>& res) {
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  sr.split(true);
  std::string out;
  boost::system::error_code ec;
  while (!ec && !sr.is_header_done()) {
    sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      out += boost::beast::buffers_to_string(buffers);
      sr.consume(net::buffer_size(buffers));
    });
  }
  return out;
}

// Chunked framing written here rather than with Beast's chunk_body helpers: those build a
// buffer-sequence type per write that has to be flattened into a vector for the transport (an
// allocation per delivered batch); the framing is three fixed strings and a hex length.
constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

/// Writes `<hex size>\r\n` into `line`; returns its length.
std::size_t chunk_size_line(std::size_t size, std::array<char, 20>& line) noexcept {
  char digits[16];
  std::size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[size % 16];
    size /= 16;
  } while (size > 0);
  for (std::size_t i = 0; i < n; ++i) {
    line[i] = digits[n - 1 - i];
  }
  line[n] = '\r';
  line[n + 1] = '\n';
  return n + 2;
}

}  // namespace

net::awaitable<void> sse_subscription::reread(seq_t after) {
  auto r = co_await uncancellable(s_.store.read_after(id_, after));
  if (!r) {
    m_.reread_failed(steady::now(), r.error() == make_error_code(errc::stream_not_found));
    co_return;
  }
  m_.reread_done(r->epoch, r->events, r->last_seq, r->unreadable);
}

void sse_subscription::after_write(std::size_t events, std::size_t gaps) {
  s_.metrics.events_delivered_total.fetch_add(events, std::memory_order_relaxed);
  if (resumed_ && !success_reported_ && events + gaps > 0) {
    success_reported_ = true;
    const double seconds = std::chrono::duration<double>(steady::now() - received_).count();
    s_.metrics.count_resume(telemetry::resume_outcome::success);
    s_.metrics.resume_latency.observe(seconds);
    emit(telemetry::names::resume_success,
         {{"last_event_id", rp_text_},
          {"replayed", replayed_},
          {"missed", missed_},
          {"start", at_checkpoint_ ? "checkpoint" : "resume_point"},
          {"skipped_events", skipped_},
          {"latency_ms", static_cast<std::int64_t>(seconds * 1e3)}});
  }
}

net::awaitable<bool> sse_subscription::sleep_until(steady::time_point t) {
  wake_.expires_at(t);
  co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
  co_return !co_await cancelled();
}

net::awaitable<bool> sse_subscription::write_header(unsigned http_version) {
  bhttp::response<bhttp::empty_body> res{bhttp::status::ok, http_version};
  res.set(bhttp::field::server, "sse-gateway");
  res.set(bhttp::field::content_type, "text/event-stream");
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");
  if (!s_.cfg.sse_compression.empty()) {
    res.set(bhttp::field::vary, "Accept-Encoding");  // compressed or not, it depends on it
  }
  if (compressor_) {
    res.set(bhttp::field::content_encoding, stream::to_string(compressor_->coding()));
  }
  if (announce_stream_id_) {
    res.set("Stream-Id", id_);
  }
  for (const auto& [name, value] : cors_headers_) {
    res.set(name, value);
  }
  if (chunked_) {
    res.set(bhttp::field::connection, "keep-alive");
    res.chunked(true);
  }
  const std::string head = header_bytes(res);
  const std::vector<net::const_buffer> bufs{net::buffer(head)};
  auto [ec, n] = co_await io_.async_write(bufs, net::as_tuple(net::use_awaitable));
  if (ec) {
    peer_closed_ = peer_closed_ || (!m_.slow() && ec != net::error::operation_aborted);
    co_return false;
  }
  co_return true;
}

std::size_t sse_subscription::prepare_write(bool last) {
  if (compressor_) {
    return prepare_compressed_write(last);
  }
  // Everything pending goes out in one gather write (one syscall per burst, however many frames
  // queued up): as one chunk, and the last chunk after it when the stream finishes. A chunk of no
  // bytes would already be `0\r\n\r\n`, so with nothing left to say the last chunk goes alone.
  bufs_.clear();
  std::size_t frame_bytes = 0;
  for (const auto* f : m_.frames()) {
    frame_bytes += f->size();
  }
  std::size_t prefix = 0;  // bytes before the first frame: the chunk-size line
  if (chunked_ && frame_bytes > 0) {
    prefix = chunk_size_line(frame_bytes, chunk_line_);
    bufs_.emplace_back(chunk_line_.data(), prefix);
  }
  for (const auto* f : m_.frames()) {
    if (!f->empty()) {
      bufs_.emplace_back(net::buffer(*f));
    }
  }
  if (chunked_ && frame_bytes > 0) {
    bufs_.emplace_back(net::buffer(crlf));
  }
  if (chunked_ && last) {
    bufs_.emplace_back(net::buffer(last_chunk));
  }
  m_.writing();
  return prefix;
}

std::size_t sse_subscription::prepare_compressed_write(bool last) {
  // The frames go through the connection's compressor, flushed (or finished with the stream):
  // its output is one chunk, decodable at once, so each event reaches the client when it would
  // uncompressed. The stream's end needs the codec's trailer even when no frame is left.
  bufs_.clear();
  std::size_t frame_bytes = 0;
  for (const auto* f : m_.frames()) {
    frame_bytes += f->size();
  }
  m_.writing();
  if (!compressor_->compress(m_.frames(), last)) {
    compression_failed_ = true;
    return 0;
  }
  const std::string_view out = compressor_->output();
  s_.metrics.sse_compression_input_bytes_total.fetch_add(frame_bytes, std::memory_order_relaxed);
  s_.metrics.sse_compression_output_bytes_total.fetch_add(out.size(), std::memory_order_relaxed);
  if (chunked_ && !out.empty()) {
    bufs_.emplace_back(chunk_line_.data(), chunk_size_line(out.size(), chunk_line_));
  }
  if (!out.empty()) {
    bufs_.emplace_back(out.data(), out.size());
  }
  if (chunked_ && !out.empty()) {
    bufs_.emplace_back(net::buffer(crlf));
  }
  if (chunked_ && last) {
    bufs_.emplace_back(net::buffer(last_chunk));
  }
  // Which frames a cut-off compressed write delivered cannot be told from the bytes written:
  // a prefix past any byte count makes finish_write() credit none of them.
  return std::numeric_limits<std::size_t>::max();
}

bool sse_subscription::finish_write(boost::system::error_code ec, std::size_t written,
                                    std::size_t prefix) {
  if (ec) {
    peer_closed_ = peer_closed_ || (!m_.slow() && ec != net::error::operation_aborted);
  }
  const auto d = m_.written(steady::now(), !ec, written > prefix ? written - prefix : 0);
  after_write(d.events, d.gaps);
  if (compressor_) {
    compressor_->trim_output();  // a large replay's buffer is not kept for a token stream
  }
  return !ec;
}

net::awaitable<bool> sse_subscription::write_out(bool last) {
  const std::size_t prefix = prepare_write(last);
  if (compression_failed_) {
    co_return false;
  }
  boost::system::error_code ec;
  std::size_t written = 0;
  if (!bufs_.empty()) {
    std::tie(ec, written) = co_await io_.async_write(bufs_, net::as_tuple(net::use_awaitable));
  }
  co_return finish_write(ec, written, prefix);
}

net::awaitable<bool> sse_subscription::hold() {
  // The store was unavailable at subscribe time: the client already has its 200 and `retry:`;
  // keep it with heartbeats and retry until the store is back, at most hold_limit.
  const auto deadline = steady::now() + hold_limit;
  auto next_try = steady::now() + store_retry;
  auto last_write = steady::now();
  while (held_ && !m_.shutdown_requested()) {
    const auto heartbeat_due = last_write + s_.cfg.heartbeat;
    if (!co_await sleep_until(std::min(next_try, heartbeat_due))) {
      co_return false;
    }
    if (steady::now() >= heartbeat_due) {
      m_.push_heartbeat();
      if (!co_await write_out(false)) {
        co_return false;
      }
      last_write = steady::now();
    }
    if (m_.shutdown_requested() || steady::now() < next_try) {
      continue;
    }
    std::optional<response> answer;
    const prepared p = co_await prepare(answer);
    if (co_await cancelled()) {
      co_return false;
    }
    next_try = steady::now() + store_retry;
    if (p == prepared::ready) {
      held_ = false;
    } else if (p == prepared::answered) {
      held_ = false;
      if (answer->status != 204) {
        co_return false;  // e.g. unknown stream: close without the final chunk, the client
                          // reconnects and gets its 404
      }
      m_.on_gone();  // finished: end cleanly (final chunk alone), the reconnect gets 204
    } else if (steady::now() >= deadline) {
      hold_expired_ = true;
      co_return false;  // closed without a final chunk: the client retries later
    }
  }
  co_return true;
}

net::awaitable<void> sse_subscription::writer(unsigned http_version) {
  using step = stream::subscription_machine::step;
  if (!co_await write_header(http_version)) {
    co_return;
  }
  m_.push_control(shared_frame(stream::encode_retry(s_.cfg.retry)), /*at_front=*/true);
  if (held_) {
    if (!co_await write_out(false) || !co_await hold()) {
      co_return;
    }
  }
  m_.start(steady::now());
  for (;;) {
    const auto d = m_.next(steady::now());
    switch (d.what) {
      case step::wait:
        // Inline rather than through sleep_until(): a nested coroutine is a frame allocated per
        // wait, and this wait happens once per delivered batch.
        wake_.expires_at(d.until);
        co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
        if ((co_await net::this_coro::cancellation_state).cancelled() !=
            net::cancellation_type::none) {
          co_return;
        }
        break;
      case step::reread:
        co_await reread(d.after);
        if (co_await cancelled()) {
          co_return;
        }
        break;
      case step::write: {
        // write_out() inlined: this is the path of every delivered batch, and a nested
        // coroutine would allocate its frame each time.
        const std::size_t prefix = prepare_write(d.last);
        if (compression_failed_) {
          co_return;
        }
        auto [ec, written] = co_await io_.async_write(bufs_, net::as_tuple(net::use_awaitable));
        if (!finish_write(ec, written, prefix)) {
          co_return;
        }
        if (d.last) {
          if (rp_) {
            emit(telemetry::names::resume_live_end, {{"epoch", m_.epoch()},
                                                     {"last_seq", m_.last_delivered_seq()},
                                                     {"delivered", m_.delivered_events()}});
          }
          co_return;
        }
        break;
      }
      case step::finish:
        if (m_.end() == stream::subscription_machine::ending::token_expired) {
          s_.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
          emit(telemetry::names::auth_rejected,
               {{"reason", "token_expired"}, {"action", "subscribe"}, {"during", "stream"}});
        }
        co_await write_out(true);
        co_return;
      case step::close:
        co_return;
    }
  }
}

net::awaitable<void> sse_subscription::watch_peer() {
  // A client sends nothing after its request: a read completing means it left (EOF or reset).
  // Anything it does send is read and dropped.
  std::array<char, 64> buf;
  for (;;) {
    auto [ec, n] = co_await io_.read_some(net::buffer(buf));
    if (ec) {
      peer_closed_ = peer_closed_ || (!m_.slow() && ec != net::error::operation_aborted);
      co_return;
    }
  }
}

}  // namespace sse::http
