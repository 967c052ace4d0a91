// GET: catch-up reads (chunked, cached with ETags) and long-polls.
#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "durable/door.hpp"
#include "durable/door_detail.hpp"
#include "durable/live_watch.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

net::awaitable<reply> door::read(const request& req, const std::string& id, live_stop* stop) {
  std::string bad;
  auto q = parse_read_query(req.target, bad);
  if (!q) {
    co_return error_reply(400, "invalid_argument", bad);
  }
  if (!q->live.empty() && !q->offset_given) {
    co_return error_reply(400, "invalid_argument", "a live read needs an offset");
  }
  reply error;
  auto s = co_await locate(id, error);
  if (!s) {
    co_return error;
  }
  co_await renew(id, *s);
  if (observer_ != nullptr) {
    observer_->read(q->live == "long-poll" ? read_mode::long_poll : read_mode::catch_up);
  }
  const bool json = is_json_type(s->meta.content_type);
  seq_t after = meta_seq;
  if (q->offset.kind == offset_kind::now) {
    after = s->tail();
  } else if (q->offset.kind == offset_kind::position) {
    after = q->offset.seq;
    if (after > s->tail()) {
      co_return error_reply(400, "invalid_offset", "the offset is past the stream's tail");
    }
  }
  auto finish = [&](reply r, bool live) {
    if (live) {
      r.headers.emplace_back("Stream-Cursor", cursor(q->cursor));
    }
    return r;
  };
  if (q->offset.kind == offset_kind::now && q->live.empty()) {
    reply r = base_reply(200);
    r.headers.emplace_back("Content-Type", s->meta.content_type);
    r.headers.emplace_back("Stream-Next-Offset", mint_offset(after));
    r.headers.emplace_back("Stream-Up-To-Date", "true");
    r.headers.emplace_back("Cache-Control", "no-store");
    if (s->closed()) {
      r.headers.emplace_back("Stream-Closed", "true");
    }
    r.body = json ? "[]" : "";
    co_return r;
  }

  std::optional<live_watch> watch;
  // A long-poll answers by the caller's access end too: the next poll needs a valid token.
  const auto deadline = std::min(clock_.now() + settings_.long_poll_timeout,
                                 req.live_until.value_or(core::steady_time_point::max()));
  const bool long_poll = q->live == "long-poll";
  for (;;) {
    if (watch) {
      watch->arm();
    }
    auto r = co_await store_.read_after(id, after);
    if (!r) {
      co_return not_found_or_failure(r.error());
    }
    if (r->epoch != s->info.epoch) {
      // Deleted (perhaps into a tombstone) and made again while the read waited.
      reply gone;
      co_return co_await locate(id, gone)
          ? error_reply(404, "stream_not_found", "the stream was deleted during the read")
          : gone;
    }
    const bool closed = r->ended;
    const seq_t tail = closed ? r->last_seq - 1 : r->last_seq;
    auto events = data_events(*r);
    if (after < tail && (events.empty() || events.front().seq > after + 1)) {
      co_return error_reply(410, "offset_gone",
                            "the data at this offset was trimmed (retention keeps the newest)");
    }
    std::erase_if(events, [](const data_event& e) { return e.state_only; });
    if (events.empty() && long_poll && !closed) {
      if (!watch) {
        auto ex = co_await net::this_coro::executor;
        watch.emplace(store_, id, ex, stop, clock_);
        if (!co_await watch->start()) {
          co_return error_reply(503, "store_unavailable", "could not watch the stream");
        }
        continue;  // read again now that batches wake us
      }
      if (!co_await watch->wait_until(deadline)) {
        reply t = base_reply(204);
        t.headers.emplace_back("Stream-Next-Offset", mint_offset(after));
        t.headers.emplace_back("Stream-Up-To-Date", "true");
        co_return finish(std::move(t), true);
      }
      continue;
    }
    // Chunking: at least one event, then up to max_read_bytes.
    std::size_t bytes = 0, taken = 0;
    while (taken < events.size() &&
           (taken == 0 || bytes + events[taken].stored.bytes.size() <= settings_.max_read_bytes)) {
      bytes += events[taken].stored.bytes.size();
      ++taken;
    }
    const bool up_to_date = taken == events.size();
    const seq_t next = taken == 0 ? std::max(after, tail) : events[taken - 1].seq;
    if (long_poll && closed && taken == 0) {
      reply t = base_reply(204);
      t.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
      t.headers.emplace_back("Stream-Up-To-Date", "true");
      t.headers.emplace_back("Stream-Closed", "true");
      co_return finish(std::move(t), true);
    }
    reply out = base_reply(200);
    if (json) {
      out.body = "[";
      for (std::size_t i = 0; i < taken; ++i) {
        if (i > 0) {
          out.body += ',';
        }
        out.body += events[i].stored.bytes;
      }
      out.body += ']';
    } else {
      out.body.reserve(bytes);
      for (std::size_t i = 0; i < taken; ++i) {
        out.body += events[i].stored.bytes;
      }
    }
    const std::string etag = "\"" + id + ":" + mint_offset(after) + ":" + mint_offset(next) +
                             (closed && up_to_date ? ":c" : "") + "\"";
    out.headers.emplace_back("Content-Type", s->meta.content_type);
    out.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
    if (up_to_date) {
      out.headers.emplace_back("Stream-Up-To-Date", "true");
    }
    if (closed && up_to_date) {
      out.headers.emplace_back("Stream-Closed", "true");
    }
    out.headers.emplace_back("ETag", etag);
    out.headers.emplace_back("Cache-Control", std::string(catch_up_cache));
    if (auto inm = req.header("If-None-Match"); inm && *inm == etag) {
      reply nm = base_reply(304);
      nm.headers.emplace_back("ETag", etag);
      nm.headers.emplace_back("Stream-Next-Offset", mint_offset(next));
      co_return finish(std::move(nm), long_poll);
    }
    co_return finish(std::move(out), long_poll);
  }
}

}  // namespace sse::durable
