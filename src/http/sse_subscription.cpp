#include "http/sse_subscription.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/saturate.hpp"
#include "core/text.hpp"
#include "http/access.hpp"
#include "http/cors.hpp"
#include "http/negotiation.hpp"
#include "http/sse_session.hpp"
#include "http/sse_util.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"
#include "stream/sse_encoder.hpp"
#include "telemetry/names.hpp"

namespace sse::http {

namespace net = boost::asio;
using telemetry::resume_outcome;

sse_subscription::sse_subscription(worker_context& w, session_entry& entry, sse_transport& io,
                                   std::string id, core::steady_time_point received)
    : w_(w),
      s_(w.svc()),
      entry_(entry),
      io_(io),
      id_(std::move(id)),
      received_(received),
      wake_(std::make_shared<wakeup>(io.get_executor(), w.svc().steady)),
      m_({.heartbeat = w.svc().cfg.heartbeat,
          .max_queue_bytes = w.svc().cfg.max_queue_bytes,
          .store_retry = store_retry},
         w.sse_frames().heartbeat, w.sse_frames().shutdown) {}

sse_subscription::~sse_subscription() {
  wake_->close();  // its timer's wait holds the wakeup: not for a heartbeat interval more
  if (compressor_reserved_ > 0) {
    s_.metrics.sse_compression_memory_bytes.fetch_sub(
        static_cast<std::int64_t>(compressor_reserved_), std::memory_order_relaxed);
  }
  if (subscribed_) {
    w_.hub().unsubscribe(id_, this);
  }
  if (entry_.sse == this) {
    entry_.sse = nullptr;
  }
}

void sse_subscription::on_batch(std::shared_ptr<const stream::event_batch> b) {
  if (m_.on_batch(std::move(b))) {
    io_.abort();  // slow: fails the blocked write and the peer read
    return;
  }
  io_.queued(m_.queued_bytes());
  wake();
}

void sse_subscription::on_gone() {
  m_.on_gone();
  wake();
}

void sse_subscription::on_resync() {
  m_.on_resync();
  wake();
}

void sse_subscription::notify_shutdown() {
  m_.on_shutdown();
  wake();
}

void sse_subscription::emit(std::string_view name, boost::json::object fields) {
  s_.sink.emit(telemetry::event{std::string(name), id_, std::move(fields), 0});
}

void sse_subscription::resume_failure(std::string_view reason, resume_outcome outcome) {
  s_.metrics.count_resume(outcome);
  emit(telemetry::names::resume_failure, {{"reason", reason}, {"last_event_id", rp_text_}});
}

net::awaitable<std::optional<response>> sse_subscription::start(const request& req) {
  {
    // The stream's head is written later, without the request: its CORS headers are chosen now.
    response head;
    add_cors_headers(s_.cfg.cors_origin, req, head);
    cors_headers_ = std::move(head.headers);
  }
  if (req.access_expires) {
    // Wall-clock expiry turned into the steady clock the writer reads (s_.steady), clamped: a
    // token valid until 2262 (the clamp of any later `exp`) must not overflow into an immediate
    // expiry.
    m_.set_token_deadline(
        core::saturating_add(s_.steady.now(), *req.access_expires - s_.clock.now()),
        shared_frame(token_expired_frame()));
  }
  if (req.accept && !core::trim_blanks(*req.accept).empty() && !accepts_event_stream(*req.accept)) {
    co_return error_response(406, "not_acceptable", "this endpoint answers text/event-stream only");
  }
  if (!s_.cfg.sse_compression.empty()) {
    std::array<stream::content_coding, 2> offers{};
    std::size_t n = 0;
    for (const auto& name : s_.cfg.sse_compression) {
      if (auto c = stream::parse_content_coding(name); c && n < offers.size()) {
        offers[n++] = *c;
      }
    }
    wanted_coding_ =
        choose_sse_coding(req.accept_encoding, req.cache_control, std::span(offers.data(), n));
  }
  // Resume point: Last-Event-ID, else ?last_event_id= (for clients that cannot set headers), else
  // none.
  if (req.last_event_id && !core::trim_blanks(*req.last_event_id).empty()) {
    rp_text_ = std::string(core::trim_blanks(*req.last_event_id));
  } else if (auto q = query_param(split_target(req.target).query, "last_event_id");
             q && !q->empty()) {
    rp_text_ = std::move(*q);
  }
  // ?history=full: the whole buffer even when a checkpoint supersedes its start.
  // Strict like the JSON bodies: a misspelt value must not silently mean the default.
  if (auto h = query_param(split_target(req.target).query, "history")) {
    if (*h != "full") {
      co_return error_response(
          make_api_error(errc::invalid_argument,
                         "query parameter \"history\" must be \"full\" (or absent), not \"" +
                             h->substr(0, 64) + "\""));
    }
    history_ = stream::history_mode::full;
  }
  if (!rp_text_.empty()) {
    auto parsed = stream::parse_resume_point(rp_text_);
    if (!parsed) {
      co_return error_response(make_api_error(
          errc::bad_resume_point,
          "Last-Event-ID must be <epoch>:<seq> or <seq>, not \"" + rp_text_.substr(0, 200) + "\""));
    }
    rp_ = *parsed;
    emit(telemetry::names::resume_attempt,
         {{"last_event_id", rp_text_}, {"resume_seq", rp_->seq}, {"resume_epoch", rp_->epoch}});
    if (auto refused = co_await inject_resume_fault()) {
      co_return refused;
    }
  }

  std::optional<response> answer;
  switch (co_await prepare(answer)) {
    case prepared::answered:
      co_return answer;
    case prepared::unavailable:
      held_ = true;
      break;
    case prepared::ready:
      break;
  }
  co_return std::nullopt;
}

net::awaitable<std::optional<response>> sse_subscription::inject_resume_fault() {
  const auto& fault = s_.cfg.fault_resume;
  const auto since_start =
      std::chrono::duration_cast<std::chrono::milliseconds>(s_.steady.now() - s_.started);
  if (!fault.active_at(since_start)) {
    co_return std::nullopt;
  }
  if (fault.what == config::resume_fault::action::refuse) {
    co_return error_response(503, "fault_injected",
                             "resume refused by the test-only --fault-resume setting");
  }
  net::steady_timer t(io_.get_executor(), fault.delay);
  boost::system::error_code ec;
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
  co_return std::nullopt;
}

net::awaitable<bool> sse_subscription::resumed_into_expired() {
  // Only on this failure path: one more store call tells an expired stream (its marker holds
  // the epoch that expired) from one never created or deleted. A marker without an epoch, or a
  // resume point without one, cannot contradict it.
  auto marker = co_await s_.store.expired_epoch(id_);
  if (!marker || !*marker) {
    co_return false;
  }
  co_return marker->value().empty() || rp_->epoch.empty() || marker->value() == rp_->epoch;
}

net::awaitable<sse_subscription::prepared> sse_subscription::prepare(
    std::optional<response>& answer) {
  // Subscribe first, read second: what is appended meanwhile queues here, and the overlap is
  // dropped by seq, so the hand-over from replay to live loses and repeats nothing.
  if (!subscribed_) {
    auto sub = co_await uncancellable(w_.hub().subscribe(id_, this));
    if (!sub) {
      if (sub.error() == make_error_code(errc::store_unavailable)) {
        co_return prepared::unavailable;
      }
      if (rp_) {
        resume_failure("store_error", resume_outcome::store_error);
      }
      answer = error_response(store_error(sub.error(), id_));
      co_return prepared::answered;
    }
    subscribed_ = true;
  }

  seq_t read_from = rp_ ? rp_->seq : 0;
  auto read = co_await uncancellable(s_.store.read_after(id_, read_from));
  stream::resume_decision decision;
  // A reset replays from 0: read again. Bounded: the epoch changes only if the stream is
  // deleted and re-created meanwhile.
  for (int attempt = 0;; ++attempt) {
    if (!read) {
      if (read.error() == make_error_code(errc::store_unavailable)) {
        co_return prepared::unavailable;
      }
      if (read.error() == make_error_code(errc::stream_not_found)) {
        if (rp_) {
          const bool was_expired = co_await uncancellable(resumed_into_expired());
          resume_failure(was_expired ? "expired" : "unknown_stream", resume_outcome::not_found);
        }
      } else if (rp_) {
        resume_failure("store_error", resume_outcome::store_error);
      }
      answer = error_response(store_error(read.error(), id_));
      co_return prepared::answered;
    }
    decision = stream::decide_resume(rp_, read->epoch, read->last_seq, read->ended,
                                     read->checkpoint_seq, history_);
    if (decision.kind == stream::resume_kind::finished) {
      // At or past the end: 204 makes EventSource stop reconnecting.
      s_.metrics.count_resume(resume_outcome::ended);
      answer.emplace();
      answer->status = 204;
      co_return prepared::answered;
    }
    // A read from before `after` holds what is needed too (plan_replay skips the older events):
    // starting at a checkpoint costs no second read.
    if (decision.after >= read_from) {
      break;
    }
    if (attempt == 2) {
      answer = error_response(
          make_api_error(errc::store_unavailable, "the stream changed during the read; retry"));
      co_return prepared::answered;
    }
    read_from = decision.after;
    read = co_await uncancellable(s_.store.read_after(id_, read_from));
  }

  m_.set_epoch(read->epoch);
  if (decision.kind == stream::resume_kind::reset_epoch ||
      decision.kind == stream::resume_kind::reset_ahead) {
    const bool epoch_reset = decision.kind == stream::resume_kind::reset_epoch;
    m_.push_control(shared_frame(
        stream::encode_reset(epoch_reset ? "epoch" : "ahead", read->epoch, read->last_seq)));
    resume_failure(epoch_reset ? "epoch_reset" : "ahead", resume_outcome::reset);
  }
  resumed_ = rp_.has_value() && decision.kind == stream::resume_kind::resume;
  stream::replay_plan plan =
      stream::plan_start(read->epoch, decision, read->events, read->last_seq, read->unreadable);
  replayed_ = plan.replayed;
  missed_ = plan.missed;
  at_checkpoint_ = decision.at_checkpoint;
  skipped_ = plan.skipped;
  if (at_checkpoint_) {
    s_.metrics.checkpoint_starts_total.fetch_add(1, std::memory_order_relaxed);
    s_.metrics.checkpoint_skipped_events_total.fetch_add(skipped_, std::memory_order_relaxed);
  }
  m_.push_plan(plan);
  co_return prepared::ready;
}

void sse_subscription::begin_stream() {
  entry_.at = session_entry::phase::streaming;
  entry_.sse = this;
  s_.metrics.sse_connections_open.fetch_add(1, std::memory_order_relaxed);
  if (s_.draining.load(std::memory_order_relaxed)) {
    m_.on_shutdown();  // shutdown began while we prepared: say so and finish
  }
  start_compression();

  // The peer watch runs beside the writer as a read of its own (a completion handler) rather
  // than as `writer || watch_peer`: with no cancellation slot above it, the writer's every wait and
  // write skips Asio's cancellation bookkeeping (a slot handler installed and cleared per
  // operation: ~2 % of the gateway's CPU at one event per write), and no parallel group lives per
  // connection. The watch ends the writer through watch_ended_, the wakeup and io_.abort(); the
  // writer ends the watch with cancel_read() and waits for it, since it holds `this`.
  watching_ = true;
  watch_peer();
}

void sse_subscription::end_stream() {
  s_.metrics.sse_connections_open.fetch_sub(1, std::memory_order_relaxed);
  entry_.sse = nullptr;
  report_finish();
}

void sse_subscription::start_compression() {
  if (wanted_coding_ == stream::content_coding::identity) {
    return;
  }
  // Reserved against the node's budget before the header names the coding; held until the
  // subscription ends, as the compressor lives as long as the connection.
  const auto need = static_cast<std::int64_t>(stream::compressor_footprint(wanted_coding_));
  const auto limit = static_cast<std::int64_t>(s_.cfg.sse_compression_max_memory);
  auto& used = s_.metrics.sse_compression_memory_bytes;
  std::int64_t now = used.load(std::memory_order_relaxed);
  do {
    if (now + need > limit) {
      s_.metrics.sse_compression_over_budget_total.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  } while (!used.compare_exchange_weak(now, now + need, std::memory_order_relaxed));
  compressor_reserved_ = static_cast<std::size_t>(need);
  compressor_ = std::make_unique<stream::sse_compressor>(wanted_coding_);
  s_.metrics.sse_compressed_connections_total.fetch_add(1, std::memory_order_relaxed);
}

void sse_subscription::report_finish() {
  const boost::json::object where{{"epoch", m_.epoch()},
                                  {"delivered", m_.delivered_events()},
                                  {"last_seq", m_.last_delivered_seq()}};
  if (m_.slow()) {
    s_.metrics.slow_clients_dropped_total.fetch_add(1, std::memory_order_relaxed);
    boost::json::object fields = where;
    fields["queued_bytes"] = m_.dropped_queue_bytes();
    emit(telemetry::names::slow_client_dropped, std::move(fields));
  } else if (hold_expired_) {
    if (rp_) {
      resume_failure("store_error", resume_outcome::store_error);
    }
  } else if (peer_closed_ && !m_.end_written()) {
    emit(telemetry::names::client_disconnected, where);
  }
}

ready_stream::ready_stream(std::unique_ptr<sse_subscription> subscription, auth::counted_hold place)
    : place_(std::move(place)), subscription_(std::move(subscription)) {}
ready_stream::ready_stream(ready_stream&&) noexcept = default;
ready_stream& ready_stream::operator=(ready_stream&&) noexcept = default;
ready_stream::~ready_stream() = default;

net::awaitable<void> ready_stream::run() {
  return subscription_->stream();  // not a coroutine itself: no frame of its own
}

net::awaitable<std::variant<response, ready_stream>> open_subscribe(
    worker_context& w, session_entry& entry, sse_transport& io, const std::string& stream_id,
    const request& req, core::steady_time_point received, auth::counted_hold place,
    bool announce_stream_id) {
  auto subscription = std::make_unique<sse_subscription>(w, entry, io, stream_id, received);
  subscription->announce_stream_id_ = announce_stream_id;
  if (auto answer = co_await subscription->start(req)) {
    co_return std::move(*answer);
  }
  co_return ready_stream(std::move(subscription), std::move(place));
}

}  // namespace sse::http
