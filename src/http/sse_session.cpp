#include "http/sse_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>
#include <memory>
#include <vector>

#include "fanout/subscriber.hpp"
#include "http/api_error.hpp"
#include "http/cors.hpp"
#include "http/negotiation.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"
#include "stream/resume.hpp"
#include "stream/sse_encoder.hpp"
#include "telemetry/names.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using namespace net::experimental::awaitable_operators;
using frame_ptr = std::shared_ptr<const std::string>;
using steady = std::chrono::steady_clock;

frame_ptr shared_frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

const frame_ptr& heartbeat_frame() {
  static const frame_ptr frame = shared_frame(stream::encode_comment("heartbeat"));
  return frame;
}

bool is_errc(const boost::system::error_code& ec, errc e) noexcept {
  return ec == make_error_code(e);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/// Store calls must not be cancelled half-way by the session's own cancellation (a peer closing
/// while a read is in flight): run them with an empty cancellation slot and look at the
/// session's state afterwards.
template <class T>
net::awaitable<T> uncancellable(net::awaitable<T> op) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await net::co_spawn(
      ex, std::move(op), net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
}

net::awaitable<bool> cancelled() {
  auto cs = co_await net::this_coro::cancellation_state;
  co_return cs.cancelled() != net::cancellation_type::none;
}

/// One SSE subscription. Lives in serve_subscribe's frame; the hub and the worker's registry
/// point at it only while it is registered (RAII below).
class sse_session final : public fanout::subscriber, public shutdown_listener {
 public:
  sse_session(worker_context& w, session_entry& entry, net::ip::tcp::socket& socket, std::string id,
              steady::time_point received)
      : w_(w),
        s_(w.svc()),
        entry_(entry),
        socket_(socket),
        id_(std::move(id)),
        received_(received),
        wake_(socket.get_executor()) {}

  ~sse_session() {
    if (subscribed_) {
      w_.hub().unsubscribe(id_, this);
    }
    if (entry_.sse == this) {
      entry_.sse = nullptr;
    }
  }

  sse_session(const sse_session&) = delete;
  sse_session& operator=(const sse_session&) = delete;

  net::awaitable<std::optional<response>> run(const request& req, unsigned version);

  // fanout::subscriber (worker thread)
  void on_batch(std::shared_ptr<const stream::event_batch> b) override {
    if (slow_ || end_reached_) {
      return;
    }
    std::size_t bytes = 0;
    for (const auto& e : b->events) {
      bytes += e.frame ? e.frame->size() : 0;
    }
    queued_bytes_ += bytes;
    queue_.emplace_back(std::move(b), bytes);
    // Only a client that is not taking what we already write is slow; a big batch for an idle
    // writer goes out at once.
    if (write_in_flight_ && queued_bytes_ > s_.cfg.max_queue_bytes) {
      slow_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      close_socket(socket_);  // fails the blocked write and the peer read: the session ends
      return;
    }
    wake();
  }
  void on_gone() override {
    gone_ = true;
    wake();
  }
  void on_resync() override {
    need_reread_ = true;
    reread_not_before_ = steady::time_point{};
    wake();
  }
  // shutdown_listener (worker thread)
  void notify_shutdown() override {
    shutdown_ = true;
    wake();
  }

 private:
  void wake() { wake_.cancel(); }

  void emit(std::string_view name, boost::json::object fields) {
    telemetry::event e{std::string(name), id_, std::move(fields), 0};
    s_.sink.emit(std::move(e));
  }
  void resume_failure(std::string_view reason, telemetry::resume_outcome outcome) {
    s_.metrics.count_resume(outcome);
    emit(telemetry::names::resume_failure, {{"reason", reason}, {"last_event_id", rp_text_}});
  }

  std::optional<response> fail(const api_error& e) { return error_response(e); }

  void push_event(const frame_ptr& f) {
    out_.push_back(f);
    ++out_events_;
  }
  void push_plan(stream::replay_plan& plan) {
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

  void drain_queue();
  net::awaitable<void> reread();
  net::awaitable<void> writer(unsigned version, std::vector<frame_ptr> initial);
  net::awaitable<bool> write_out(bool last);
  net::awaitable<void> watch_peer();
  void after_write(std::size_t events, std::size_t gaps);

  worker_context& w_;
  services& s_;
  session_entry& entry_;
  net::ip::tcp::socket& socket_;
  std::string id_;
  steady::time_point received_;
  net::steady_timer wake_;

  bool subscribed_ = false;
  bool chunked_ = true;
  std::string epoch_;
  std::string rp_text_;
  bool had_resume_point_ = false;
  bool resumed_ = false;  // a resume inside the current epoch (not a reset)
  bool success_reported_ = false;
  std::size_t replayed_ = 0;
  std::uint64_t missed_ = 0;

  seq_t next_seq_ = 1;
  std::deque<std::pair<std::shared_ptr<const stream::event_batch>, std::size_t>> queue_;
  std::size_t queued_bytes_ = 0;
  std::vector<frame_ptr> out_;
  std::size_t out_events_ = 0;
  std::size_t out_gaps_ = 0;
  std::uint64_t delivered_ = 0;

  bool write_in_flight_ = false;
  bool need_reread_ = false;
  steady::time_point reread_not_before_{};
  bool end_reached_ = false;  // the end event is in out_ (or written)
  bool end_written_ = false;
  bool gone_ = false;
  bool shutdown_ = false;
  bool slow_ = false;
  bool peer_closed_ = false;  // EOF or error from the peer (read or write)
};

net::awaitable<std::optional<response>> sse_session::run(const request& req, unsigned version) {
  if (req.accept && !trim(*req.accept).empty() && !accepts_event_stream(*req.accept)) {
    co_return error_response(406, "not_acceptable", "this endpoint answers text/event-stream only");
  }

  // Resume point: Last-Event-ID, else ?last_event_id=, else none (issue 2).
  if (req.last_event_id && !trim(*req.last_event_id).empty()) {
    rp_text_ = std::string(trim(*req.last_event_id));
  } else if (auto q = query_param(split_target(req.target).query, "last_event_id");
             q && !q->empty()) {
    rp_text_ = std::move(*q);
  }
  std::optional<stream::resume_point> rp;
  if (!rp_text_.empty()) {
    auto parsed = stream::parse_resume_point(rp_text_);
    if (!parsed) {
      co_return fail(make_api_error(
          errc::bad_resume_point,
          "Last-Event-ID must be <epoch>:<seq> or <seq>, not \"" + rp_text_.substr(0, 200) + "\""));
    }
    rp = *parsed;
    had_resume_point_ = true;
    emit(telemetry::names::resume_attempt,
         {{"last_event_id", rp_text_}, {"resume_seq", rp->seq}, {"resume_epoch", rp->epoch}});
  }

  // Subscribe first, read second: whatever is appended meanwhile is queued here and the
  // overlap is removed by seq (habit: no loss, no duplicate at the hand-over).
  auto sub = co_await uncancellable(w_.hub().subscribe(id_, this));
  if (!sub) {
    if (had_resume_point_) {
      resume_failure("store_error", telemetry::resume_outcome::store_error);
    }
    co_return fail(store_error(sub.error(), id_));
  }
  subscribed_ = true;

  seq_t read_from = rp ? rp->seq : 0;
  result<store::read_result> read = co_await uncancellable(s_.store.read_after(id_, read_from));
  stream::resume_decision decision;
  // A resume point from another epoch replays from 0: read again (bounded; the epoch can only
  // change if the stream is re-created meanwhile).
  for (int attempt = 0;; ++attempt) {
    if (!read) {
      if (is_errc(read.error(), errc::stream_not_found)) {
        if (had_resume_point_) {
          resume_failure("unknown_stream", telemetry::resume_outcome::not_found);
        }
      } else if (had_resume_point_) {
        resume_failure("store_error", telemetry::resume_outcome::store_error);
      }
      co_return fail(store_error(read.error(), id_));
    }
    decision = stream::decide_resume(rp, read->epoch, read->last_seq, read->ended);
    if (decision.kind == stream::resume_kind::finished) {
      s_.metrics.count_resume(telemetry::resume_outcome::ended);
      response r;
      r.status = 204;
      co_return r;
    }
    if (decision.after == read_from) {
      break;
    }
    if (attempt == 2) {
      co_return fail(make_api_error(errc::store_unavailable, "the stream changed during the read"));
    }
    read_from = decision.after;
    read = co_await uncancellable(s_.store.read_after(id_, read_from));
  }

  epoch_ = read->epoch;
  std::vector<frame_ptr> initial;
  initial.push_back(shared_frame(stream::encode_retry(s_.cfg.retry)));
  if (decision.kind == stream::resume_kind::reset_epoch ||
      decision.kind == stream::resume_kind::reset_ahead) {
    const bool epoch_reset = decision.kind == stream::resume_kind::reset_epoch;
    initial.push_back(shared_frame(
        stream::encode_reset(epoch_reset ? "epoch" : "ahead", epoch_, read->last_seq)));
    resume_failure(epoch_reset ? "epoch_reset" : "ahead_of_stream",
                   telemetry::resume_outcome::reset);
  }
  resumed_ = decision.kind == stream::resume_kind::resume && had_resume_point_;

  stream::replay_plan plan =
      stream::plan_replay(epoch_, decision.after, read->events, read->last_seq);
  replayed_ = plan.replayed;
  missed_ = plan.missed;
  push_plan(plan);
  read = result<store::read_result>{};  // release the buffer copy before streaming

  chunked_ = version >= 11;
  entry_.at = session_entry::phase::streaming;
  entry_.sse = this;
  s_.metrics.sse_connections_open.fetch_add(1, std::memory_order_relaxed);
  if (s_.draining.load(std::memory_order_relaxed)) {
    shutdown_ = true;  // shutdown began while we were reading: say so and finish
  }

  co_await (writer(version, std::move(initial)) || watch_peer());

  s_.metrics.sse_connections_open.fetch_sub(1, std::memory_order_relaxed);
  entry_.sse = nullptr;
  const seq_t last_seq = next_seq_ - 1;
  if (slow_) {
    s_.metrics.slow_clients_dropped_total.fetch_add(1, std::memory_order_relaxed);
    emit(telemetry::names::slow_client_dropped,
         {{"epoch", epoch_}, {"delivered", delivered_}, {"last_seq", last_seq}});
  } else if (peer_closed_ && !end_written_) {
    emit(telemetry::names::client_disconnected,
         {{"epoch", epoch_}, {"delivered", delivered_}, {"last_seq", last_seq}});
  }
  co_return std::nullopt;
}

void sse_session::drain_queue() {
  while (!queue_.empty() && !need_reread_ && !end_reached_ && !gone_) {
    auto [batch, bytes] = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= bytes;
    if (batch->epoch != epoch_) {
      gone_ = true;  // a new incarnation of the id: this subscription's stream is over
      break;
    }
    for (const auto& e : batch->events) {
      if (e.seq < next_seq_) {
        continue;  // already replayed (hand-over overlap)
      }
      if (e.seq > next_seq_) {
        need_reread_ = true;  // a batch went missing: the store read fills the hole
        break;
      }
      push_event(e.frame);
      ++next_seq_;
      if (e.is_end) {
        end_reached_ = true;
        break;
      }
    }
  }
  if (need_reread_ || end_reached_ || gone_) {
    // Everything queued now was appended before the re-read starts, so the read covers it.
    queue_.clear();
    queued_bytes_ = 0;
  }
}

net::awaitable<void> sse_session::reread() {
  need_reread_ = false;
  auto r = co_await uncancellable(s_.store.read_after(id_, next_seq_ - 1));
  if (!r) {
    if (is_errc(r.error(), errc::stream_not_found)) {
      gone_ = true;
    } else {
      // Store unreachable: keep the client (heartbeats go on) and try again shortly.
      need_reread_ = true;
      reread_not_before_ = steady::now() + std::chrono::seconds(1);
    }
    co_return;
  }
  if (r->epoch != epoch_) {
    gone_ = true;
    co_return;
  }
  stream::replay_plan plan = stream::plan_replay(epoch_, next_seq_ - 1, r->events, r->last_seq);
  push_plan(plan);
}

void sse_session::after_write(std::size_t events, std::size_t gaps) {
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
          {"latency_ms", static_cast<std::int64_t>(seconds * 1000.0)}});
  }
}

net::awaitable<bool> sse_session::write_out(bool last) {
  std::vector<net::const_buffer> bufs;
  bufs.reserve(out_.size());
  for (const auto& f : out_) {
    bufs.emplace_back(net::buffer(*f));
  }
  write_in_flight_ = true;
  boost::system::error_code ec;
  if (!chunked_) {
    std::tie(ec, std::ignore) =
        co_await net::async_write(socket_, bufs, net::as_tuple(net::use_awaitable));
  } else if (last) {
    std::tie(ec, std::ignore) = co_await net::async_write(
        socket_, boost::beast::buffers_cat(bhttp::make_chunk(bufs), bhttp::make_chunk_last()),
        net::as_tuple(net::use_awaitable));
  } else if (!bufs.empty()) {
    std::tie(ec, std::ignore) = co_await net::async_write(socket_, bhttp::make_chunk(bufs),
                                                          net::as_tuple(net::use_awaitable));
  }
  write_in_flight_ = false;
  const std::size_t events = out_events_;
  const std::size_t gaps = out_gaps_;
  out_.clear();
  out_events_ = 0;
  out_gaps_ = 0;
  if (ec) {
    if (!slow_ && ec != net::error::operation_aborted) {
      peer_closed_ = true;
    }
    co_return false;
  }
  after_write(events, gaps);
  co_return true;
}

net::awaitable<void> sse_session::writer(unsigned version, std::vector<frame_ptr> initial) {
  {
    bhttp::response<bhttp::empty_body> res{bhttp::status::ok, version};
    res.set(bhttp::field::server, "sse-gateway");
    res.set(bhttp::field::content_type, "text/event-stream");
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    header_list cors;
    add_cors_headers(cors, s_.cfg.cors_origin);
    for (const auto& [name, value] : cors) {
      res.set(name, value);
    }
    if (chunked_) {
      res.set(bhttp::field::connection, "keep-alive");
      res.chunked(true);
    }
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    auto [ec, n] =
        co_await bhttp::async_write_header(socket_, sr, net::as_tuple(net::use_awaitable));
    if (ec) {
      if (!slow_ && ec != net::error::operation_aborted) {
        peer_closed_ = true;
      }
      co_return;
    }
  }
  // retry, reset, replay: one write. Event counts were taken by push_plan.
  out_.insert(out_.begin(), std::make_move_iterator(initial.begin()),
              std::make_move_iterator(initial.end()));
  auto last_write = steady::now();
  const auto heartbeat = s_.cfg.heartbeat;

  for (;;) {
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
      auto due = last_write + heartbeat;
      if (need_reread_ && reread_not_before_ < due) {
        due = reread_not_before_;
      }
      if (steady::now() < due) {
        wake_.expires_at(due);
        co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
        if (co_await cancelled()) {
          co_return;
        }
        continue;
      }
      if (need_reread_) {
        continue;  // the retry time came, not the heartbeat
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
      if (had_resume_point_) {
        emit(telemetry::names::resume_live_end,
             {{"epoch", epoch_}, {"last_seq", next_seq_ - 1}, {"delivered", delivered_}});
      }
      co_return;
    }
  }

  // Finish the response properly (final chunk) so that the client sees a clean end.
  if (slow_) {
    co_return;
  }
  if (shutdown_) {
    out_.push_back(shared_frame(stream::encode_comment("server shutting down")));
  }
  co_await write_out(true);
}

net::awaitable<void> sse_session::watch_peer() {
  // A client never sends anything after its request; a read completing means it left (EOF or
  // reset). Anything it does send is read and dropped.
  std::array<char, 64> buf;
  for (;;) {
    auto [ec, n] =
        co_await socket_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec != net::error::operation_aborted && !slow_) {
        peer_closed_ = true;
      }
      co_return;
    }
  }
}

}  // namespace

net::awaitable<std::optional<response>> serve_subscribe(worker_context& w, session_entry& entry,
                                                        net::ip::tcp::socket& socket,
                                                        const std::string& stream_id,
                                                        const request& req, unsigned http_version,
                                                        steady::time_point received) {
  sse_session session(w, entry, socket, stream_id, received);
  co_return co_await session.run(req, http_version);
}

}  // namespace sse::http
