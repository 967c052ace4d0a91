// The streaming half of sse_subscription: header, frames, heartbeats, final chunk; and the
// peer watch. Everything runs on the session's worker.

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "http/access.hpp"
#include "http/sse_subscription.hpp"
#include "http/sse_util.hpp"
#include "stream/sse_encoder.hpp"
#include "telemetry/names.hpp"

namespace sse::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

/// Length of the `<hex size>\r\n` line Beast's make_chunk puts before a chunk of `size` bytes.
std::size_t chunk_size_line_length(std::size_t size) noexcept {
  std::size_t digits = 1;
  while (size >= 16) {
    size /= 16;
    ++digits;
  }
  return digits + 2;
}

/// How many of frames, written in order, lie entirely within the first `bytes` bytes.
std::size_t whole_frames_within(const std::vector<std::shared_ptr<const std::string>>& frames,
                                std::size_t bytes) noexcept {
  std::size_t count = 0;
  for (const auto& f : frames) {
    if (f->size() > bytes) {
      break;
    }
    bytes -= f->size();
    ++count;
  }
  return count;
}

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

/// A buffer sequence as the plain list sse_transport::write takes (the buffers still point into
/// `seq`, which must outlive the write).
template <class Buffers>
std::vector<net::const_buffer> flatten(const Buffers& seq) {
  std::vector<net::const_buffer> out;
  for (net::const_buffer b : boost::beast::buffers_range_ref(seq)) {
    out.push_back(b);
  }
  return out;
}

const sse_subscription::frame_ptr& heartbeat_frame() {
  static const sse_subscription::frame_ptr frame =
      shared_frame(stream::encode_comment("heartbeat"));
  return frame;
}

}  // namespace

void sse_subscription::push_plan(stream::replay_plan& plan) {
  out_events_ += plan.replayed;
  out_gaps_ += plan.frames.size() - plan.replayed;
  for (auto& f : plan.frames) {
    out_.push_back(std::move(f));
  }
  next_seq_ = plan.next_seq;
  if (plan.reached_end) {
    end_reached_ = true;
  }
}

void sse_subscription::drain_queue() {
  for (auto& [batch, bytes] : queue_) {
    if (need_reread_ || end_reached_ || gone_) {
      break;
    }
    if (batch->epoch != epoch_) {
      gone_ = true;  // a new incarnation of the id: this subscription's stream is over
      break;
    }
    for (const auto& e : batch->events) {
      if (e.seq < next_seq_) {
        continue;  // already replayed (the hand-over overlap)
      }
      if (e.seq > next_seq_) {
        need_reread_ = true;  // a batch went missing: a store read fills the hole
        break;
      }
      out_.push_back(e.frame);
      ++out_events_;
      ++next_seq_;
      if (e.is_end) {
        end_reached_ = true;
        break;
      }
    }
  }
  // Whatever is left was appended before a re-read that starts now, so the read covers it.
  queue_.clear();
  queued_bytes_ = 0;
}

net::awaitable<void> sse_subscription::reread() {
  need_reread_ = false;
  auto r = co_await uncancellable(s_.store.read_after(id_, next_seq_ - 1));
  if (!r) {
    if (r.error() == make_error_code(errc::stream_not_found)) {
      gone_ = true;
    } else {
      // The store is unreachable: keep the client (heartbeats go on) and try again soon.
      need_reread_ = true;
      reread_not_before_ = steady::now() + store_retry;
    }
    co_return;
  }
  if (r->epoch != epoch_) {
    gone_ = true;
    co_return;
  }
  stream::replay_plan plan =
      stream::plan_replay(epoch_, next_seq_ - 1, r->events, r->last_seq, r->unreadable);
  push_plan(plan);
}

void sse_subscription::after_write(std::size_t events, std::size_t gaps) {
  delivered_ += events;
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
  auto [ec, n] = co_await io_.write(bufs);
  if (ec) {
    peer_closed_ = peer_closed_ || (!slow_ && ec != net::error::operation_aborted);
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> sse_subscription::write_out(bool last) {
  std::vector<net::const_buffer> bufs;
  bufs.reserve(out_.size());
  for (const auto& f : out_) {
    bufs.emplace_back(net::buffer(*f));
  }
  // Everything queued goes out in one gather write (habit 7).
  write_in_flight_ = true;
  boost::system::error_code ec;
  std::size_t written = 0;
  std::size_t prefix = 0;  // bytes before the first frame: the chunk-size line
  if (!chunked_) {
    std::tie(ec, written) = co_await io_.write(bufs);
  } else if (bufs.empty() && last) {
    // Nothing left to say (a deletion, an expiry, a store reset): the last chunk alone. A chunk
    // made of no bytes would already be `0\r\n\r\n`, and the last chunk after it a second
    // end, which clients report as a parse error.
    std::tie(ec, written) = co_await io_.write(flatten(bhttp::make_chunk_last()));
  } else if (!bufs.empty()) {
    prefix = chunk_size_line_length(net::buffer_size(bufs));
    if (last) {
      const auto chunks =
          boost::beast::buffers_cat(bhttp::make_chunk(bufs), bhttp::make_chunk_last());
      std::tie(ec, written) = co_await io_.write(flatten(chunks));
    } else {
      const auto chunk = bhttp::make_chunk(bufs);
      std::tie(ec, written) = co_await io_.write(flatten(chunk));
    }
  }
  write_in_flight_ = false;
  std::size_t events = out_events_;
  std::size_t gaps = out_gaps_;
  if (ec) {
    peer_closed_ = peer_closed_ || (!slow_ && ec != net::error::operation_aborted);
    // A peer that leaves part-way through a large write (a replay of megabytes in one gather
    // write) still received the frames that went out whole before the error: count them, so a
    // resume that delivered events gets its SseResumeSuccess instead of no outcome at all.
    // Frames are not tagged event/gap, so whole frames count as events first: only the
    // delivered-events metric can be off, by at most the number of gaps in this write.
    const std::size_t whole = whole_frames_within(out_, written > prefix ? written - prefix : 0);
    events = std::min(whole, events);
    gaps = std::min(whole - events, gaps);
  }
  out_.clear();
  out_events_ = 0;
  out_gaps_ = 0;
  after_write(events, gaps);
  co_return !ec;
}

net::awaitable<bool> sse_subscription::hold() {
  // The store was unavailable at subscribe time: the client already has its 200 and `retry:`;
  // keep it with heartbeats and retry until the store is back, at most hold_limit.
  const auto deadline = steady::now() + hold_limit;
  auto next_try = steady::now() + store_retry;
  auto last_write = steady::now();
  while (held_ && !shutdown_) {
    const auto heartbeat_due = last_write + s_.cfg.heartbeat;
    if (!co_await sleep_until(std::min(next_try, heartbeat_due))) {
      co_return false;
    }
    if (steady::now() >= heartbeat_due) {
      out_.push_back(heartbeat_frame());
      if (!co_await write_out(false)) {
        co_return false;
      }
      last_write = steady::now();
    }
    if (shutdown_ || steady::now() < next_try) {
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
      end_reached_ = true;  // finished: end cleanly, the reconnect gets 204
    } else if (steady::now() >= deadline) {
      hold_expired_ = true;
      co_return false;  // closed without a final chunk: the client retries later
    }
  }
  co_return true;
}

net::awaitable<void> sse_subscription::writer(unsigned http_version) {
  if (!co_await write_header(http_version)) {
    co_return;
  }
  out_.insert(out_.begin(), shared_frame(stream::encode_retry(s_.cfg.retry)));
  if (held_) {
    if (!co_await write_out(false) || !co_await hold()) {
      co_return;
    }
  }

  auto last_write = steady::now();
  for (;;) {
    if (token_deadline_ && !end_reached_ && steady::now() >= *token_deadline_) {
      token_expired_ = true;
      break;
    }
    if (!shutdown_) {
      drain_queue();
      if (need_reread_ && !end_reached_ && !gone_ && steady::now() >= reread_not_before_) {
        co_await reread();
        if (co_await cancelled()) {
          co_return;
        }
        continue;  // batches may have queued during the read
      }
    }
    if (out_.empty()) {
      if (end_reached_ || gone_ || shutdown_ || slow_) {
        break;
      }
      auto due = last_write + s_.cfg.heartbeat;
      if (token_deadline_ && *token_deadline_ < due) {
        due = *token_deadline_;
      }
      if (need_reread_ && reread_not_before_ < due) {
        due = reread_not_before_;
      }
      if (steady::now() < due) {
        if (!co_await sleep_until(due)) {
          co_return;
        }
        continue;
      }
      // A re-read that is due goes first (the loop's top does it); one still waiting for its
      // retry time must not stop an overdue heartbeat: skipping it here without awaiting
      // anything spun the worker, which starved its own Redis reconnect.
      if (need_reread_ && steady::now() >= reread_not_before_) {
        continue;
      }
      out_.push_back(heartbeat_frame());
    }
    const bool last = end_reached_;
    if (!co_await write_out(last)) {
      co_return;
    }
    last_write = steady::now();
    if (last) {
      end_written_ = true;
      if (rp_) {
        emit(telemetry::names::resume_live_end,
             {{"epoch", epoch_}, {"last_seq", next_seq_ - 1}, {"delivered", delivered_}});
      }
      co_return;
    }
  }

  // Finish the response properly (final chunk), so the client sees a clean end.
  if (slow_) {
    co_return;
  }
  if (token_expired_) {
    // The client reconnects with a fresh token and resumes from the last id it saw.
    out_.push_back(shared_frame(token_expired_frame()));
    s_.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
    emit(telemetry::names::auth_rejected,
         {{"reason", "token_expired"}, {"action", "subscribe"}, {"during", "stream"}});
  } else if (shutdown_) {
    out_.push_back(shared_frame(stream::encode_comment("server shutting down")));
  }
  co_await write_out(true);
}

net::awaitable<void> sse_subscription::watch_peer() {
  // A client sends nothing after its request: a read completing means it left (EOF or reset).
  // Anything it does send is read and dropped.
  std::array<char, 64> buf;
  for (;;) {
    auto [ec, n] = co_await io_.read_some(net::buffer(buf));
    if (ec) {
      peer_closed_ = peer_closed_ || (!slow_ && ec != net::error::operation_aborted);
      co_return;
    }
  }
}

}  // namespace sse::http
