#include "store/redis/expiry_report.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <utility>

#include "store/redis/keys.hpp"

namespace sse::store::redis_layout {

namespace net = boost::asio;

expiry_keys make_expiry_keys(std::string_view prefix, std::string_view stream_id) {
  const std::string tag = "{" + std::string(stream_id) + "}";
  return expiry_keys{std::string(prefix) + "expired:" + tag,
                     std::string(prefix) + "expired-claim:" + tag};
}

namespace {

// One command as a batch. (Built outside the co_await: GCC 12 miscompiles a braced list of
// vectors inside a co_await expression, "array used as initializer".)
std::vector<redis::command> one(redis::command argv) {
  std::vector<redis::command> cmds;
  cmds.push_back(std::move(argv));
  return cmds;
}

}  // namespace

net::awaitable<void> claim_expiry(std::weak_ptr<redis::command_link> weak, expiry_keys keys,
                                  expired_stream expired, std::chrono::milliseconds retention,
                                  std::function<void(expired_stream)> report) {
  if (expired.epoch.empty()) {
    net::steady_timer t(co_await net::this_coro::executor, unknown_epoch_delay);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
  auto c = weak.lock();
  if (!c) {
    co_return;  // the store is gone: nothing to report to
  }
  auto claim = one({"SET", keys.claim, "1", "NX", "PX", std::to_string(expiry_claim_ttl.count())});
  auto r = co_await c->exec_on_key(keys.claim, std::move(claim));
  const bool answered = r && r->size() == 1 && !r->front().is_error();
  if (answered && r->front().is_nil()) {
    co_return;  // another node claimed it and reports it
  }
  if (answered && !expired.ended) {
    // A marker with an empty epoch still says "expired" (see store::expired_epoch).
    auto mark = one({"SET", keys.marker, expired.epoch, "PX",
                     std::to_string(std::max<long long>(retention.count(), 1))});
    (void)co_await c->exec_on_key(keys.marker, std::move(mark));
  }
  report(std::move(expired));
}

net::awaitable<notify_outcome> enable_expiry_notifications(redis::command_link& c) {
  auto config = one({"CONFIG", "SET", "notify-keyspace-events", "Ex"});
  auto r = co_await c.exec_on_key("", std::move(config));  // keyless: only single-node links
  if (!r || r->size() != 1) {
    co_return notify_outcome::unreachable;
  }
  co_return r->front().is_error() ? notify_outcome::refused : notify_outcome::set;
}

net::awaitable<result<std::optional<std::string>>> read_expiry_marker(redis::command_link& c,
                                                                      std::string marker) {
  auto get = one({"GET", marker});
  auto r = co_await c.exec_on_key(marker, std::move(get));
  if (!r) {
    co_return r.error();
  }
  if (r->size() != 1 || r->front().is_error()) {
    co_return errc::store_unavailable;
  }
  if (r->front().is_nil()) {
    co_return std::optional<std::string>{};
  }
  co_return std::optional<std::string>{std::move(r->front().str)};
}

void expired_log::remember(const std::string& stream_id, const std::string& epoch) {
  constexpr std::size_t max_remembered = 100'000;
  std::lock_guard lock(mutex);
  if (epochs.size() >= max_remembered && !epochs.contains(stream_id)) {
    epochs.erase(epochs.begin());  // bounded; an evicted stream's expiry names no epoch
  }
  epochs[stream_id] = epoch;
}

redis::pubsub_link::message_handler with_expiry_events(redis::pubsub_link::message_handler live,
                                                       expiry_handler_context ctx) {
  return [live = std::move(live), ctx = std::move(ctx)](std::string_view ch,
                                                        std::string_view payload) {
    if (ch != ctx.expiry_channel) {
      live(ch, payload);
      return;
    }
    auto id = stream_id_from(ctx.prefix, "state:", payload);
    const bool ended = !id;
    if (!id) {
      id = stream_id_from(ctx.prefix, "end:", payload);
    }
    if (!id) {
      return;  // another key of ours (buffer, meta) or not ours at all
    }
    std::string epoch;
    {
      std::lock_guard lock(ctx.log->mutex);
      if (auto it = ctx.log->epochs.find(*id); it != ctx.log->epochs.end()) {
        epoch = std::move(it->second);
        ctx.log->epochs.erase(it);
      }
    }
    ctx.registry->deliver_gone(*id);  // every node finishes its own subscribers
    // Every node hears the expiry; one reports it and leaves the epoch marker. The claim is
    // the store's task: its join() after stop() waits for it.
    auto tasks = ctx.tasks;
    tasks.spawn(claim_expiry(ctx.commands, make_expiry_keys(ctx.prefix, *id),
                             expired_stream{*id, std::move(epoch), ended}, ctx.retention,
                             [log = ctx.log](expired_stream s) {
                               std::lock_guard lock(log->mutex);
                               log->streams.push_back(std::move(s));
                             }));
  };
}

net::awaitable<void> arm_notifications(std::weak_ptr<redis::command_link> weak,
                                       std::shared_ptr<notify_state> notify,
                                       std::shared_ptr<std::atomic<bool>> running) {
  // Bounded retries: after a restart the command connections may come back after the
  // subscription. A refusal (managed Redis without CONFIG) is final and logged once: expiry
  // telemetry then depends on the server's own configuration.
  for (int attempt = 0; attempt < 40 && *running; ++attempt) {
    auto c = weak.lock();
    if (!c) {
      co_return;
    }
    const auto outcome = co_await enable_expiry_notifications(*c);
    if (outcome == notify_outcome::set) {
      co_return;
    }
    if (outcome == notify_outcome::refused) {
      if (!notify->warned.exchange(true) && notify->warn) {
        notify->warn(
            "redis refused CONFIG SET notify-keyspace-events Ex: expiry telemetry "
            "(SseStreamExpired, resume reason expired) needs notify-keyspace-events to include "
            "Ex in the Redis configuration");
      }
      co_return;
    }
    c.reset();  // not held while waiting: the store may go
    net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(250));
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<void> enable_expiry_events(std::weak_ptr<redis::command_link> c,
                                          std::shared_ptr<redis::pubsub_link> pubsub,
                                          std::string channel, std::shared_ptr<notify_state> notify,
                                          std::shared_ptr<std::atomic<bool>> running) {
  // Best effort, bounded: the links may still be connecting. A Redis that refuses CONFIG (some
  // managed services) needs notify-keyspace-events to include "Ex" in its own configuration.
  co_await arm_notifications(std::move(c), notify, running);
  bool subscribed = false;
  for (int attempt = 0; attempt < 60 && !subscribed; ++attempt) {
    if (!*running) {
      co_return;
    }
    subscribed = static_cast<bool>(co_await pubsub->subscribe(channel));
    if (!*running) {
      co_return;
    }
    if (!subscribed) {
      net::steady_timer t(pubsub->get_executor(), std::chrono::milliseconds(500));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
    }
  }
}

}  // namespace sse::store::redis_layout
