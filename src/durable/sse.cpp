// GET ?live=sse: the head of an SSE read, then data and control events until it ends.
#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "core/base64.hpp"
#include "durable/door.hpp"
#include "durable/door_detail.hpp"
#include "durable/live_watch.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

net::awaitable<sse_start> door::start_sse(const request& req) {
  sse_start out;
  auto id = store_id_for_path(path_in_target(req.target));
  std::string bad;
  auto q = parse_read_query(req.target, bad);
  if (!id || !q) {
    out.head = error_reply(400, "invalid_argument", id ? bad : "bad stream path");
    co_return out;
  }
  reply error;
  auto s = co_await locate(*id, error);
  if (!s) {
    out.head = std::move(error);
    co_return out;
  }
  if (!q->offset_given) {
    out.head = error_reply(400, "invalid_argument", "a live read needs an offset");
    co_return out;
  }
  // A browser's EventSource reconnects to the URL it was opened with, naming the `id:` of the
  // last data event it received (the offset after it) in Last-Event-ID: resuming there rather
  // than at the URL's offset is what hands it every event once (an extension, PROTOCOL.md 9.1).
  if (const auto last = req.header("Last-Event-ID")) {
    const auto o = parse_offset(*last);
    if (!o || o->kind != offset_kind::position) {
      out.head = error_reply(400, "invalid_offset", "Last-Event-ID is not an offset: " + *last);
      co_return out;
    }
    q->offset = *o;
  }
  sse_plan plan;
  plan.id = *id;
  plan.epoch = s->info.epoch;
  plan.json = is_json_type(s->meta.content_type);
  plan.base64 = !sse_compatible(s->meta.content_type);
  plan.cursor = q->cursor;
  plan.live_until = req.live_until;
  plan.after = meta_seq;
  if (q->offset.kind == offset_kind::now) {
    plan.after = s->tail();
  } else if (q->offset.kind == offset_kind::position) {
    plan.after = q->offset.seq;
    if (plan.after > s->tail()) {
      out.head = error_reply(400, "invalid_offset", "the offset is past the stream's tail");
      co_return out;
    }
  }
  out.head = base_reply(200);
  out.head.headers.emplace_back("Content-Type", "text/event-stream");
  out.head.headers.emplace_back("Cache-Control", "no-cache");
  if (plan.base64) {
    // Bytes that are not text travel as base64 in data events (PROTOCOL.md, SSE encoding).
    out.head.headers.emplace_back("Stream-SSE-Data-Encoding", "base64");
  }
  co_await renew(*id, *s);
  if (observer_ != nullptr) {
    observer_->read(read_mode::sse);
  }
  out.plan = std::move(plan);
  co_return out;
}

net::awaitable<sse_end> door::stream_sse(sse_plan plan, sse_sink& sink, live_stop* stop) {
  const std::string* id = &plan.id;
  const bool json = plan.json;
  seq_t after = plan.after;
  auto ex = co_await net::this_coro::executor;
  live_watch watch(store_, *id, ex, stop, clock_);
  if (!co_await watch.start()) {
    co_return sse_end::gone;
  }
  const auto max_end = clock_.now() + settings_.sse_max_duration;
  const auto end_at = std::min(max_end, plan.live_until.value_or(max_end));
  std::optional<std::string> client_cursor = plan.cursor;
  bool first = true;
  while (clock_.now() < end_at && !watch.stopped()) {
    watch.arm();
    auto r = co_await store_.read_after(*id, after);
    if (!r || r->epoch != plan.epoch) {
      co_return sse_end::gone;  // deleted or unreachable: the client reconnects and learns which
    }
    const bool closed = r->ended;
    const seq_t tail = closed ? r->last_seq - 1 : r->last_seq;
    auto events = data_events(*r);
    if (after < tail && (events.empty() || events.front().seq > after + 1)) {
      co_return sse_end::gone;  // trimmed under the reader: a reconnect gets 410
    }
    std::erase_if(events, [](const data_event& e) { return e.state_only; });
    std::string out;
    if (!events.empty()) {
      after = events.back().seq;
      out += "event: data\nid: " + mint_offset(after) + "\n";
      std::string payload;
      if (json) {
        payload = "[";
        for (std::size_t i = 0; i < events.size(); ++i) {
          payload += (i > 0 ? "," : "");
          payload += events[i].stored.bytes;
        }
        payload += "]";
      } else {
        for (auto& e : events) {
          payload += e.stored.bytes;
        }
        if (plan.base64) {
          payload = core::base64_encode(payload);
        }
      }
      std::size_t start = 0;
      for (std::size_t i = 0; i <= payload.size(); ++i) {
        if (i == payload.size() || payload[i] == '\n' || payload[i] == '\r') {
          // "data:" then the line; a space after the colon only when the line starts with one
          // (a parser drops one leading space).
          std::string_view line(payload.data() + start, i - start);
          out += line.starts_with(' ') ? "data: " : "data:";
          out += line;
          out += "\n";
          if (i < payload.size() && payload[i] == '\r' && i + 1 < payload.size() &&
              payload[i + 1] == '\n') {
            ++i;
          }
          start = i + 1;
        }
      }
      out += "\n";
    }
    if (!events.empty() || first || closed) {
      boost::json::object control;
      control["streamNextOffset"] = mint_offset(std::max(after, tail));
      if (closed) {
        control["streamClosed"] = true;
      } else {
        const std::string c = cursor(client_cursor);
        client_cursor = c;
        control["streamCursor"] = c;
        control["upToDate"] = true;
      }
      out += "event: control\ndata:" + boost::json::serialize(control) + "\n\n";
    }
    first = false;
    if (!out.empty() && !co_await sink.write(std::move(out))) {
      co_return sse_end::gone;
    }
    if (!events.empty() && observer_ != nullptr) {
      observer_->sse_data_written();
    }
    if (closed) {
      co_return sse_end::closed;
    }
    const auto beat = std::min(end_at, clock_.now() + std::chrono::seconds(15));
    if (!co_await watch.wait_until(beat) && !watch.stopped() && clock_.now() < end_at) {
      if (!co_await sink.write(": keep-alive\n\n")) {
        co_return sse_end::gone;
      }
    }
  }
  if (watch.stopped()) {
    co_return sse_end::stopped;
  }
  co_return plan.live_until&&* plan.live_until <= max_end ? sse_end::access_expired
                                                          : sse_end::max_duration;
}

}  // namespace sse::durable
