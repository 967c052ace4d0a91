// worker::run_subscriber: one SSE subscriber's life. Subscribe from the start of its slot's
// current stream, get cut abruptly by the scanner, pause, resume with Last-Event-ID, and move
// to the slot's next stream after the end event. Every event goes through the checker.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "load/nchan_target.hpp"
#include "load/worker.hpp"
#include "load/worker_subscriber.hpp"

namespace sse::load {

namespace net = boost::asio;

namespace {

resume_outcome outcome_of(const check_result& r, bool allow_reset) {
  if (r.what == check_result::kind::reset) {
    return allow_reset ? resume_outcome::success : resume_outcome::reset;
  }
  if (r.lost > 0) {
    return resume_outcome::unannounced_loss;
  }
  if (r.duplicate) {
    return resume_outcome::duplicate;
  }
  if (r.reorder) {
    return resume_outcome::reorder;
  }
  return resume_outcome::success;
}

}  // namespace

net::awaitable<void> worker::run_subscriber(subscriber& s) {
  const load_options& o = *run_.options;
  using reason = subscriber::close_reason;
  if (!co_await pause(s, s.start_delay)) {
    co_return;
  }
  const bool nchan = o.target_kind == "nchan";
  s.gen = run_.slots->generation(s.slot);
  s.checker.start_stream();
  s.nchan_id.clear();
  while (!run_.stopping.load()) {
    const std::string resume_point = s.checker.resume_point();
    const bool resuming = !resume_point.empty();
    const auto attempt_start = steady::now();
    const std::uint64_t conn_start_ns = to_ns(attempt_start);
    if (resuming) {
      begin_resume(s, attempt_start);
    }
    s.reason = reason::none;
    const std::string id = run_.slots->stream_id(s.slot, s.gen);
    const std::string target = nchan ? o.subscribe.expand(id) : "/v1/streams/" + id + "/events";
    s.open_started = attempt_start;
    // nchan resumes from its own opaque id; the checker's `n:<seq>` means nothing to it.
    auto status = co_await s.conn.open(run_.server, target, nchan ? s.nchan_id : resume_point);
    s.open_started = {};
    count_connect(status ? boost::system::error_code{} : status.error());
    if (resuming && status) {
      std::lock_guard lock(shard_.mutex);
      shard_.window.resume_head_latency_us.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - attempt_start)
              .count()));
    }
    if (run_.stopping.load()) {
      break;
    }
    if (!status || (*status != 200 && *status != 204)) {
      s.conn.abort();
      if (resuming) {
        finish_resume(
            s, s.reason == reason::timeout ? resume_outcome::timeout : resume_outcome::http_error);
      } else {
        std::lock_guard lock(shard_.mutex);
        ++shard_.counters.subscribe_errors;
      }
      if (!co_await pause(s, o.resume_pause)) {
        break;
      }
      continue;
    }
    if (*status == 204) {
      // Our position is at the end already: EventSource would stop here; we move on.
      s.conn.abort();
      finish_resume(s, resume_outcome::success);
      ++s.gen;
      s.checker.start_stream();
      s.nchan_id.clear();
      continue;
    }
    if (!resuming) {
      std::lock_guard lock(shard_.mutex);
      ++shard_.counters.subscriptions;
    }
    s.connected = true;
    shard_.open_connections.fetch_add(1, std::memory_order_relaxed);
    s.last_activity = steady::now();
    if (s.cut_at == steady::time_point::max()) {
      // The cut clock runs across the moves to a slot's next stream: streams shorter than the
      // cut interval must not shelter their subscribers from cuts.
      s.cut_at = s.last_activity + next_cut_interval(s);
    }
    for (;;) {
      auto events = co_await s.conn.read_events();
      if (!events) {
        break;
      }
      const auto now = steady::now();
      s.last_activity = now;
      if (events->empty()) {
        continue;
      }
      const std::uint64_t now_ns = to_ns(now);
      std::lock_guard lock(shard_.mutex);
      window_sample& w = shard_.window;
      for (stream::parsed_event& ev : *events) {
        if (nchan && !translate_nchan_event(ev, s.nchan_id)) {
          continue;
        }
        const check_result r = s.checker.on_event(ev);
        if (r.what == check_result::kind::ignored) {
          continue;
        }
        w.unannounced_losses += r.lost;
        w.duplicates += r.duplicate ? 1 : 0;
        w.reorders += r.reorder ? 1 : 0;
        if (r.what == check_result::kind::reset) {
          ++shard_.counters.resets;
        }
        finish_resume_locked(s, outcome_of(r, o.allow_reset), now);
        if (r.what == check_result::kind::data) {
          ++w.events_delivered;
          std::uint64_t published = 0;
          if (read_publish_ns(ev.data, published)) {
            // Events published before this connection started are replays: their age says
            // how long the client was away, not how fast the gateway delivers.
            if (published >= conn_start_ns) {
              w.deliver_latency_us.record(now_ns > published ? (now_ns - published) / 1000 : 0);
            } else {
              ++w.events_replayed;
            }
          }
        } else if (r.what == check_result::kind::gap) {
          w.gap_seqs += r.gap_seqs;
        }
      }
      // The gateway closes a stream after its end event; nchan keeps the connection open after
      // our `!end` message (a channel has no end). Leave as an application would: without
      // this, nchan's subscribers sat on ended channels until their next cut, so its runs did
      // ~35 % fewer connections than the gateway's at the gate mix (BENCHMARKS.md).
      if (nchan && s.checker.ended()) {
        break;
      }
    }
    s.connected = false;
    shard_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    s.conn.abort();
    if (s.reason == reason::cut) {
      s.cut_at = steady::time_point::max();
    }
    if (s.checker.ended()) {
      ++s.gen;
      s.checker.start_stream();
      s.nchan_id.clear();
      continue;
    }
    finish_resume(
        s, s.reason == reason::timeout ? resume_outcome::timeout : resume_outcome::http_error);
    if (s.reason == reason::none) {
      std::lock_guard lock(shard_.mutex);
      ++shard_.counters.gateway_closes;
    }
    if (s.reason == reason::stop || !co_await pause(s, o.resume_pause)) {
      break;
    }
  }
}

}  // namespace sse::load
