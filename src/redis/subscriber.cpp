#include "redis/subscriber.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

#include "redis/run_on.hpp"

namespace sse::redis {

namespace net = boost::asio;

subscriber::subscriber(executor_type ex, connection_config cfg,
                       std::shared_ptr<availability> tracker, std::size_t slot)
    : conn_(std::make_shared<connection>(ex, std::move(cfg), /*subscriber_mode=*/true)) {
  // The handlers use `this`: start() keeps this subscriber alive as long as the connection runs.
  conn_->set_push_handler([this](reply&& r) { on_push(std::move(r)); });
  conn_->set_connect_hook([this](connection& c) { return resubscribe_all(c); });
  if (tracker) {
    conn_->set_ready_handler([tracker, slot](bool ready) { tracker->report(slot, ready); });
  }
  conn_->set_state_handler([this](bool up) {
    if (!up) {
      for (auto& [channel, confirmed] : channels_) {
        confirmed = false;
      }
      return;
    }
    if (resync_pending_ && on_resync_) {
      resync_pending_ = false;
      on_resync_();
    }
  });
}

void subscriber::enable_probe(probe_config cfg, std::string channel, publisher publish) {
  probe_ = cfg;
  probe_channel_ = std::move(channel);
  publish_ = std::move(publish);
}

void subscriber::start() {
  if (probe_.interval.count() > 0 && !probe_channel_.empty() && publish_) {
    // In the channel set from the start: every (re)connect subscribes it with the others.
    channels_.try_emplace(probe_channel_, false);
    net::co_spawn(
        conn_->get_executor(),
        [](std::shared_ptr<subscriber> self) -> net::awaitable<void> {
          co_await self->probe_loop();
        }(shared_from_this()),
        net::detached);
  }
  // The connection's handlers use `this`: the spawned coroutine keeps this subscriber alive
  // until the connection's run() returns.
  net::co_spawn(
      conn_->get_executor(),
      [](std::shared_ptr<subscriber> self) -> net::awaitable<void> {
        co_await self->conn_->run();
      }(shared_from_this()),
      net::detached);
}

void subscriber::stop() {
  stopped_.store(true);
  conn_->stop();
}

net::awaitable<boost::system::error_code> subscriber::resubscribe_all(connection& c) {
  // Every reconnect after the first may have missed messages, even with no channel yet.
  resync_pending_ = connected_once_;
  connected_once_ = true;
  if (channels_.empty()) {
    co_return boost::system::error_code{};
  }
  request r;
  for (const auto& entry : channels_) {
    r.push("SUBSCRIBE", entry.first);
  }
  auto replies = co_await c.exec_unchecked(std::move(r), c.config().connect_timeout);
  if (!replies) {
    co_return replies.error();
  }
  for (const auto& rep : *replies) {
    if (!rep.is_array() || rep.elements.size() != 3 || rep.elements[1].str.empty()) {
      co_return errc::internal;
    }
    if (auto it = channels_.find(rep.elements[1].str); it != channels_.end()) {
      it->second = true;
    }
  }
  co_return boost::system::error_code{};
}

net::awaitable<result<void>> subscriber::subscribe(std::string channel) {
  // Named, not a temporary inside the co_await: GCC 12 destroys such temporaries twice.
  auto op = [self = shared_from_this(), channel = std::move(channel)]() mutable {
    return self->subscribe_here(std::move(channel));
  };
  co_return co_await run_on<result<void>>(conn_->get_executor(), std::move(op));
}

net::awaitable<result<void>> subscriber::subscribe_here(std::string channel) {
  if (!conn_->up()) {
    co_return errc::store_unavailable;
  }
  auto [it, inserted] = channels_.try_emplace(channel, false);
  if (it->second) {
    co_return result<void>{};  // once per channel: later watchers find it confirmed
  }
  // Unconfirmed: send SUBSCRIBE even if another caller already did. Redis answers each in
  // order, so our confirmation also means the channel is live.
  request r;
  r.push("SUBSCRIBE", channel);
  auto replies = co_await conn_->exec(std::move(r));
  if (!replies) {
    co_return replies.error();
  }
  const reply& rep = replies->front();
  if (!rep.is_array() || rep.elements.size() != 3 || rep.elements[1].str != channel) {
    co_return errc::internal;
  }
  if (auto again = channels_.find(channel); again != channels_.end()) {
    again->second = true;
  }
  co_return result<void>{};
}

void subscriber::unsubscribe(std::string channel, std::function<bool()> still_wanted) {
  // Holds a reference: the store may be gone by the time this runs.
  net::post(conn_->get_executor(), [self = shared_from_this(), channel = std::move(channel),
                                    still_wanted = std::move(still_wanted)] {
    if (still_wanted && still_wanted()) {
      return;
    }
    if (self->channels_.erase(channel) == 0) {
      return;
    }
    // Queued synchronously, so a SUBSCRIBE posted after this handler goes out after it.
    request r;
    r.push("UNSUBSCRIBE", channel);
    self->conn_->send_detached(std::move(r));
  });
}

void subscriber::on_push(reply&& r) {
  // ["message", channel, payload] or ["pmessage", pattern, channel, payload]
  const auto& e = r.elements;
  if (e[0].str == "message" && e.size() == 3 && e[1].str == probe_channel_ &&
      !probe_channel_.empty()) {
    const auto token = std::strtoull(e[2].str.c_str(), nullptr, 10);
    probe_received_ = std::max<std::uint64_t>(probe_received_, token);
    return;
  }
  if (!on_message_) {
    return;
  }
  if (e[0].str == "message" && e.size() == 3) {
    on_message_(e[1].str, e[2].str);
  } else if (e[0].str == "pmessage" && e.size() == 4) {
    on_message_(e[2].str, e[3].str);
  }
}

}  // namespace sse::redis

namespace sse::redis {

net::awaitable<void> subscriber::probe_loop() {
  const auto self = shared_from_this();
  net::steady_timer t(conn_->get_executor());
  while (!stopped_.load()) {
    t.expires_after(probe_.interval);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    if (stopped_.load()) {
      break;
    }
    if (!conn_->up()) {
      continue;  // down already: reported, and resubscribed when back
    }
    if (auto it = channels_.find(probe_channel_); it == channels_.end() || !it->second) {
      (void)co_await subscribe_here(probe_channel_);
      continue;
    }
    const std::uint64_t token = ++probe_sent_;
    auto published = co_await publish_(probe_channel_, std::to_string(token));
    if (!published || stopped_.load()) {
      continue;  // the command side's trouble, which it reports itself
    }
    const auto deadline = std::chrono::steady_clock::now() + probe_.timeout;
    while (probe_received_ < token && std::chrono::steady_clock::now() < deadline &&
           !stopped_.load()) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (stopped_.load()) {
      break;
    }
    if (probe_received_ >= token) {
      probes_ok_.fetch_add(1);
      continue;
    }
    // The link looks up but the subscription is gone: reconnect, resubscribe, resync.
    probe_failures_.fetch_add(1);
    conn_->drop();
  }
}

}  // namespace sse::redis
