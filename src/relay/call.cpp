// One relayed call: the upstream read loop, the appends into its stream, its lease, its end.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "ops/stream_ops.hpp"
#include "relay/checkpointer.hpp"
#include "relay/manager_shared.hpp"
#include "relay/names.hpp"

namespace sse::relay {

using std::chrono::milliseconds;

namespace {

long long ms_since(const core::monotonic_clock& clock, core::steady_time_point t) {
  return std::chrono::duration_cast<milliseconds>(clock.now() - t).count();
}

/// Keeps a call's lease: refreshes it every ttl/3 on the call's executor until the call is over.
/// A lost lease (expired, or claimed by a sweeping node) aborts the call: the claimer ends the
/// stream, this node must not write to it any more.
struct lease_keeper {
  explicit lease_keeper(net::any_io_executor ex) : timer(std::move(ex)) {}
  net::steady_timer timer;
  bool done = false;  // the call is over (set on the call's executor)
  bool lost = false;
};

net::awaitable<void> keep_lease(std::shared_ptr<manager::shared> sh, std::string id,
                                std::shared_ptr<lease_keeper> k,
                                std::shared_ptr<upstream_control> ctl) {
  store::stream_lease& lease = *sh->options.lease;
  const auto every = std::max(lease.ttl() / 3, milliseconds(1));
  while (!k->done) {
    k->timer.expires_after(every);
    co_await k->timer.async_wait(net::as_tuple(net::use_awaitable));
    if (k->done) {
      break;
    }
    auto r = co_await lease.refresh(id);
    if (k->done) {
      break;
    }
    // A store error is not a loss: the lease lives on in Redis until its expiry; try again.
    if (r && *r == store::lease_refresh::lost) {
      k->lost = true;
      ctl->cancel();
      break;
    }
  }
}

}  // namespace

net::awaitable<bool> end_failed(ops::context& s, const std::string& id, boost::json::object detail,
                                bool append_detail) {
  if (append_detail) {
    store::append_request req;
    req.stream_id = id;
    req.events.push_back(
        stream::new_event{"upstream_error", boost::json::serialize(detail), max_priority});
    auto appended = co_await ops::append_events(s, std::move(req));
    if (!appended && (appended.error() == make_error_code(errc::stream_ended) ||
                      appended.error() == make_error_code(errc::stream_not_found))) {
      co_return false;
    }
  }
  auto ended = co_await ops::end_stream(s, id, store::stream_status::failed);
  co_return ended && !ended->already_ended;
}

net::awaitable<void> run_relay(std::shared_ptr<manager::shared> sh, const route* r,
                               route_stats* stats, std::string id, std::string body,
                               std::string content_type, std::shared_ptr<upstream_control> ctl,
                               bool leased) {
  const auto started = sh->clock.now();
  ops::context& s = sh->s;
  sh->emit(names::started, id, {{"route", r->name}, {"upstream_host", r->url.host}});
  auto finish = [&] {
    stats->active.fetch_sub(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(sh->mutex);
      sh->running.erase(id);
    }
    sh->call_ended.notify_all();  // shutdown() waits for the last one
  };
  std::shared_ptr<lease_keeper> keeper;
  if (leased) {
    keeper = std::make_shared<lease_keeper>(co_await net::this_coro::executor);
    // Owned like the call (same worker, same group): shutdown() joins it too.
    sh->tasks_on(co_await net::this_coro::executor).spawn(keep_lease(sh, id, keeper, ctl));
  }
  bool stream_gone = false;   // the stream was ended (a cancel) or deleted meanwhile
  bool store_failed = false;  // an append failed for another reason
  // Auto-checkpoints. The stream was created for this call and only this call writes
  // to it (the lease makes sure across nodes), so its seqs start at 1 and last_seq follows each
  // append's answer: a checkpoint's through_seq is known before it is appended.
  std::optional<checkpointer> checkpoints;
  if (r->checkpoint) {
    checkpoints.emplace(*r->checkpoint);
  }
  seq_t last_seq = 0;
  event_handler on_events = [&](std::vector<stream::parsed_event> events) -> net::awaitable<bool> {
    store::append_request req;
    req.stream_id = id;
    for (auto& e : events) {
      auto prio = r->priority_of(e.event);
      if (!prio) {
        continue;
      }
      if (checkpoints) {
        checkpoints->add(e.data);
      }
      req.events.push_back(stream::new_event{std::move(e.event), std::move(e.data), *prio});
    }
    if (req.events.empty()) {
      co_return true;
    }
    const std::size_t n = req.events.size();
    if (checkpoints && checkpoints->due()) {
      // In the same append, after the events it covers: one round trip, and no joiner can see
      // the checkpoint without them.
      req.events.push_back(checkpoints->take(last_seq + n));
    }
    auto res = co_await ops::append_events(s, std::move(req));
    if (!res) {
      if (res.error() == make_error_code(errc::stream_ended) ||
          res.error() == make_error_code(errc::stream_not_found)) {
        stream_gone = true;
      } else {
        store_failed = true;
      }
      co_return false;
    }
    stats->events.fetch_add(n, std::memory_order_relaxed);
    last_seq = res->last_seq;
    co_return true;
  };

  upstream_call call{r, std::move(body), std::move(content_type), &sh->clock};
  upstream_outcome out =
      co_await call_upstream(std::move(call), *sh->tls, ctl, std::move(on_events), &sh->pool);
  if (keeper) {
    keeper->done = true;
    keeper->timer.cancel();
  }
  if (store_failed) {
    out.what = upstream_outcome::kind::failed;
    out.reason = "store";
  }
  const bool lease_lost = keeper && keeper->lost;
  if (lease_lost) {
    // Another node claimed the stream and ends it (upstream_lost): write nothing more.
    out.what = upstream_outcome::kind::failed;
    out.reason = "lease_lost";
  } else if (out.what == upstream_outcome::kind::cancelled && !stream_gone &&
             sh->shutting_down.load()) {
    out.what = upstream_outcome::kind::failed;
    out.reason = "gateway_shutdown";
  }
  const long long duration = ms_since(sh->clock, started);
  const long long ttfb = out.ttfb ? out.ttfb->count() : -1;
  stats->duration_ms_sum.fetch_add(static_cast<std::uint64_t>(duration), std::memory_order_relaxed);
  if (out.ttfb) {
    stats->ttfb_ms_sum.fetch_add(static_cast<std::uint64_t>(ttfb), std::memory_order_relaxed);
    stats->ttfb_count.fetch_add(1, std::memory_order_relaxed);
  }

  switch (out.what) {
    case upstream_outcome::kind::completed:
      stats->completed.fetch_add(1, std::memory_order_relaxed);
      if (checkpoints && checkpoints->pending()) {
        // The last checkpoint holds the whole text: a joiner after the end gets it and `end`.
        store::append_request req;
        req.stream_id = id;
        req.events.push_back(checkpoints->take(last_seq));
        co_await ops::append_events(s, std::move(req));
      }
      co_await ops::end_stream(s, id, store::stream_status::completed);
      sh->emit(names::completed, id,
               {{"route", r->name},
                {"ttfb_ms", ttfb},
                {"duration_ms", duration},
                {"events", out.events}});
      break;
    case upstream_outcome::kind::cancelled:
      stats->cancelled.fetch_add(1, std::memory_order_relaxed);
      if (!stream_gone) {
        co_await ops::end_stream(s, id, store::stream_status::cancelled);
      }
      sh->emit(names::cancelled, id,
               {{"route", r->name}, {"duration_ms", duration}, {"local", true}});
      break;
    case upstream_outcome::kind::failed: {
      stats->failed.fetch_add(1, std::memory_order_relaxed);
      if (lease_lost) {
        break;
      }
      // The reason (and the upstream's answer, redacted) go into the stream before its end,
      // so that a client sees why.
      boost::json::object detail{{"reason", out.reason}, {"upstream_status", out.upstream_status}};
      if (!out.body_excerpt.empty()) {
        detail["body"] = out.body_excerpt;
      }
      const bool ended = co_await end_failed(s, id, std::move(detail), !store_failed);
      // A shutdown that met a stream already ended (a cancel just before) reports nothing.
      if (ended || out.reason != "gateway_shutdown") {
        boost::json::object fields{{"route", r->name},
                                   {"reason", out.reason},
                                   {"upstream_status", out.upstream_status},
                                   {"duration_ms", duration}};
        if (out.ttfb) {
          fields["ttfb_ms"] = ttfb;
        }
        sh->emit(names::upstream_error, id, fields);
      }
      break;
    }
  }
  // The stream has its end (written here, or by a cancel): give the lease up. Not when it was
  // lost: the claimer releases it once it has ended the stream.
  if (keeper && !lease_lost) {
    co_await sh->options.lease->release(id);
  }
  finish();
}

}  // namespace sse::relay
