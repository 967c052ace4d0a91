// The streaming half of sse_subscription: it moves the bytes and the time that its
// subscription_machine (m_) decides about: head, frames, heartbeats, the body's end; and the peer
// watch. Everything runs on the session's worker. It hands the sink (io_) a framing-neutral head
// and body bytes; how they are framed on the wire (HTTP/1.1 chunks, say) is the sink's.

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "core/text.hpp"
#include "http/cors.hpp"
#include "http/sse_subscription.hpp"
#include "http/sse_util.hpp"
#include "stream/sse_encoder.hpp"
#include "telemetry/names.hpp"

namespace sse::http {

namespace net = boost::asio;

namespace {

/// Sets `name` as Beast's set() did when the head was a Beast message: a field of that name
/// already there is replaced, the new one goes last. (Vary is merged instead: see set_head.)
void set_field(header_list& fields, std::string_view name, std::string value) {
  std::erase_if(fields, [name](const auto& kv) { return core::iequals(kv.first, name); });
  fields.emplace_back(std::string(name), std::move(value));
}

}  // namespace

net::awaitable<void> sse_subscription::reread(seq_t after) {
  auto r = co_await uncancellable(s_.store.read_after(id_, after));
  if (!r) {
    m_.reread_failed(s_.steady.now(), r.error() == make_error_code(errc::stream_not_found));
    co_return;
  }
  m_.reread_done(r->epoch, r->events, r->last_seq, r->unreadable);
}

void sse_subscription::after_write(std::size_t events, std::size_t gaps) {
  s_.metrics.events_delivered_total.fetch_add(events, std::memory_order_relaxed);
  if (resumed_ && !success_reported_ && events + gaps > 0) {
    success_reported_ = true;
    // received_ is on s_.steady (request_info::received), as is everything the writer times.
    const double seconds = std::chrono::duration<double>(s_.steady.now() - received_).count();
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

net::awaitable<bool> sse_subscription::sleep_until(core::steady_time_point t) {
  co_await wake_->async_wait(t, net::as_tuple(net::use_awaitable));
  co_return !watch_ended_;
}

void sse_subscription::set_head() {
  stream_head head;
  header_list& f = head.fields;
  f.emplace_back("Content-Type", "text/event-stream");
  f.emplace_back("Cache-Control", "no-cache");
  f.emplace_back("X-Accel-Buffering", "no");
  if (!s_.cfg.sse_compression.empty()) {
    f.emplace_back("Vary", "Accept-Encoding");  // compressed or not, it depends on it
  }
  if (compressor_) {
    f.emplace_back("Content-Encoding", std::string(stream::to_string(compressor_->coding())));
  }
  if (announce_stream_id_) {
    f.emplace_back("Stream-Id", id_);
  }
  for (const auto& [name, value] : cors_headers_) {
    if (core::iequals(name, "Vary")) {
      merge_vary(f, value);  // with the compression's Accept-Encoding: both, in one field
    } else {
      set_field(f, name, value);
    }
  }
  io_.set_head(head);  // sent with the first write, the `retry:` line below
}

std::size_t sse_subscription::prepare_write(bool last) {
  io_.queued(m_.queued_bytes());  // the queue went into this write
  if (compressor_) {
    return prepare_compressed_write(last);
  }
  // Everything pending goes out in one gather write (one syscall per burst, however many frames
  // queued up), the body's end with it when the stream finishes; the sink frames it.
  bufs_.clear();
  for (const auto* f : m_.frames()) {
    if (!f->empty()) {
      bufs_.emplace_back(net::buffer(*f));
    }
  }
  m_.writing();
  return 0;
}

std::size_t sse_subscription::prepare_compressed_write(bool last) {
  // The frames go through the connection's compressor, flushed (or finished with the stream):
  // its output is one write, decodable at once, so each event reaches the client when it would
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
  if (!out.empty()) {
    bufs_.emplace_back(out.data(), out.size());
  }
  // Which frames a cut-off compressed write delivered cannot be told from the bytes written:
  // an offset past any byte count makes finish_write() credit none of them.
  return std::numeric_limits<std::size_t>::max();
}

bool sse_subscription::finish_write(boost::system::error_code ec, std::size_t written,
                                    std::size_t prefix) {
  // `written` counts body bytes (the sink leaves out its framing).
  if (ec) {
    peer_closed_ = peer_closed_ || (!m_.slow() && ec != net::error::operation_aborted);
  }
  const auto d = m_.written(s_.steady.now(), !ec, written > prefix ? written - prefix : 0);
  stream::subscription_machine::release_if_large(bufs_);  // as the machine's own vectors
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
  auto [ec, written] = co_await io_.async_write(bufs_, last, net::as_tuple(net::use_awaitable));
  co_return finish_write(ec, written, prefix);
}

net::awaitable<bool> sse_subscription::hold() {
  // The store was unavailable at subscribe time: the client already has its 200 and `retry:`;
  // keep it with heartbeats and retry until the store is back, at most hold_limit.
  const auto deadline = s_.steady.now() + hold_limit;
  auto next_try = s_.steady.now() + store_retry;
  auto last_write = s_.steady.now();
  while (held_ && !m_.shutdown_requested()) {
    const auto heartbeat_due = last_write + s_.cfg.heartbeat;
    if (!co_await sleep_until(std::min(next_try, heartbeat_due))) {
      co_return false;
    }
    if (s_.steady.now() >= heartbeat_due) {
      m_.push_heartbeat();
      if (!co_await write_out(false)) {
        co_return false;
      }
      last_write = s_.steady.now();
    }
    if (m_.shutdown_requested() || s_.steady.now() < next_try) {
      continue;
    }
    std::optional<response> answer;
    const prepared p = co_await prepare(answer);
    if (watch_ended_) {
      co_return false;
    }
    next_try = s_.steady.now() + store_retry;
    if (p == prepared::ready) {
      held_ = false;
    } else if (p == prepared::answered) {
      held_ = false;
      if (answer->status != 204) {
        co_return false;  // e.g. unknown stream: close without the body's end, the client
                          // reconnects and gets its 404
      }
      m_.on_gone();  // finished: end cleanly (the body's end alone), the reconnect gets 204
    } else if (s_.steady.now() >= deadline) {
      hold_expired_ = true;
      co_return false;  // closed without the body's end: the client retries later
    }
  }
  co_return true;
}

// The telemetry of the stream's end, out of stream(): GCC keeps a coroutine's temporaries (these
// JSON objects) in its frame, which lives as long as the connection.
void sse_subscription::report_live_end() {
  if (rp_) {
    emit(telemetry::names::resume_live_end, {{"epoch", m_.epoch()},
                                             {"last_seq", m_.last_delivered_seq()},
                                             {"delivered", m_.delivered_events()}});
  }
}

void sse_subscription::report_finishing() {
  if (m_.end() == stream::subscription_machine::ending::token_expired) {
    s_.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
    emit(telemetry::names::auth_rejected,
         {{"reason", "token_expired"}, {"action", "subscribe"}, {"during", "stream"}});
  }
}

net::awaitable<void> sse_subscription::stream() {
  // Not a coroutine: the stream is driven by completion handlers (next_step() and the handlers
  // it starts), and its awaiter is resumed through done_ once the stream and the peer watch
  // are over. A coroutine would keep its frame allocated for the connection's whole life, the
  // largest single cost of an idle SSE connection. The rare paths (held while the store is
  // down, a re-read) run as coroutines of their own, only while they last.
  return net::async_initiate<const net::use_awaitable_t<>&, void()>(
      [this](auto handler) {
        done_.hold(std::move(handler));
        begin_writing();
      },
      net::use_awaitable);
}

void sse_subscription::begin_writing() {
  begin_stream();
  set_head();
  m_.push_control(w_.sse_frames().retry, /*at_front=*/true);
  if (!held_) {
    m_.start(s_.steady.now());
    next_step();
    return;
  }
  net::co_spawn(io_.get_executor(), write_while_held(),
                [this](const std::exception_ptr& e, bool go_on) {
                  if (e || !go_on) {
                    finish();
                    return;
                  }
                  m_.start(s_.steady.now());
                  next_step();
                });
}

net::awaitable<bool> sse_subscription::write_while_held() {
  co_return co_await write_out(false) && co_await hold();
}

void sse_subscription::next_step() {
  using step = stream::subscription_machine::step;
  const auto d = m_.next(s_.steady.now());
  switch (d.what) {
    case step::wait:
      // No timer is re-armed here unless d.until is earlier than the deadline already armed
      // (wakeup.hpp); the handler fits the wakeup's slot, so a wait allocates nothing.
      wake_->async_wait(d.until, [this](boost::system::error_code) { after_wait(); });
      return;
    case step::reread:
      net::co_spawn(io_.get_executor(), reread(d.after),
                    [this](const std::exception_ptr&) { after_wait(); });
      return;
    case step::write:
      start_write(d.last);
      return;
    case step::finish:
      report_finishing();
      start_write(true, /*final=*/true);
      return;
    case step::close:
      finish();
      return;
  }
}

void sse_subscription::after_wait() {
  if (watch_ended_) {
    finish();  // the client left
    return;
  }
  next_step();
}

void sse_subscription::start_write(bool last, bool final) {
  write_prefix_ = prepare_write(last);
  if (compression_failed_) {
    finish();
    return;
  }
  write_last_ = last;
  write_final_ = final;
  // The handler is type-erased with Asio's recycling allocator: a steady stream of writes
  // allocates nothing.
  io_.start_body(bufs_, last, [this](boost::system::error_code ec, std::size_t written) {
    const bool ok = finish_write(ec, written, write_prefix_);
    if (!ok || write_final_) {
      finish();
      return;
    }
    if (write_last_) {
      report_live_end();
      finish();
      return;
    }
    next_step();
  });
}

void sse_subscription::finish() {
  writer_done_ = true;
  if (watching_) {
    io_.cancel_read();  // the watch's handler completes the stream
    return;
  }
  complete();
}

void sse_subscription::complete() {
  end_stream();
  done_.post(io_.get_executor());  // the connection resumes, and destroys this, after this call
}

void sse_subscription::watch_peer() {
  // A client sends nothing after its request: a read completing means it left (EOF or reset).
  // Anything it does send is read and dropped. A completion handler, not a coroutine: it is
  // pending for the connection's whole life, and a coroutine would hold its frames all along.
  io_.start_read(net::buffer(peer_buf_), [this](boost::system::error_code ec, std::size_t) {
    if (!ec) {
      watch_peer();
      return;
    }
    if (!writer_done_) {
      peer_closed_ = peer_closed_ || (!m_.slow() && ec != net::error::operation_aborted);
      // End the writer: a wait is rung, a write blocked on a full socket fails.
      watch_ended_ = true;
      io_.abort();
    }  // else cancel_read() from finish(): the writer is finished
    watching_ = false;
    if (writer_done_) {
      complete();
      return;
    }
    wake();
  });
}

}  // namespace sse::http
