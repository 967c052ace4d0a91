#include "redis/subscriber.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

#include "redis/run_on.hpp"

namespace sse::redis {

namespace net = boost::asio;

namespace {

const link_name the_link;  // the only one: it needs no name

}  // namespace

subscriber::subscriber(executor_type ex, connection_config cfg,
                       std::shared_ptr<availability> tracker, std::size_t slot)
    : conn_(std::make_shared<connection>(ex, cfg, /*subscriber_mode=*/true)),
      state_(pubsub_kind::plain),
      wake_(ex, cfg.clock),
      tasks_(ex) {
  // The handlers use `this`: start() keeps this subscriber alive as long as the connection runs.
  conn_->set_push_handler([this](reply&& r) { on_push(std::move(r)); });
  conn_->set_connect_hook([this](connection& c) { return resubscribe_all(c); });
  if (tracker) {
    conn_->set_ready_handler([tracker, slot](bool ready) { tracker->report(slot, ready); });
  }
  conn_->set_state_handler([this](bool up) {
    if (!up) {
      state_.link_down(the_link);
      return;
    }
    // Every reconnect after the first may have missed messages, even with no channel yet.
    if (state_.link_up(the_link) && on_resync_) {
      on_resync_();
    }
  });
}

void subscriber::enable_probe(probe_config cfg, std::string channel, publisher publish) {
  probe_ = cfg;
  probe_channel_ = std::move(channel);
  publish_ = std::move(publish);
  state_.set_probe_timeout(cfg.timeout);
}

void subscriber::start() {
  if (probe_.interval.count() > 0 && !probe_channel_.empty() && publish_) {
    // Known from the start: every (re)connect subscribes it with the other channels.
    state_.set_probe(the_link, probe_channel_);
    tasks_.spawn([](std::shared_ptr<subscriber> self) -> net::awaitable<void> {
      co_await self->probe_loop();
    }(shared_from_this()));
  }
  // The connection's handlers use `this`: the task keeps this subscriber alive until the
  // connection's run() returns.
  tasks_.spawn([](std::shared_ptr<subscriber> self) -> net::awaitable<void> {
    co_await self->conn_->run();
  }(shared_from_this()));
}

void subscriber::stop() {
  stopped_.store(true);
  conn_->stop();
  // The probe may be waiting (interval, token): wake it to see stopped_.
  net::post(conn_->get_executor(), [self = shared_from_this()] { self->wake_.notify(); });
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
  if (state_.want(channel, the_link)) {
    co_return result<void>{};
  }
  auto answer = co_await subscribe_on(state_, *conn_, the_link, std::move(channel));
  if (!answer) {
    co_return answer.error();
  }
  if (*answer != subscribe_answer::confirmed) {
    co_return errc::internal;
  }
  co_return result<void>{};
}

net::awaitable<boost::system::error_code> subscriber::resubscribe_all(connection& c) {
  auto outcome = co_await resubscribe_link(state_, c, the_link);
  if (outcome && outcome->refused) {
    co_return errc::internal;  // one node has every channel: a refusal is as wrong as garbage
  }
  co_return outcome ? boost::system::error_code{} : outcome.error();
}

void subscriber::unsubscribe(std::string channel, std::function<bool()> still_wanted) {
  // Holds a reference: the store may be gone by the time this runs.
  net::post(conn_->get_executor(), [self = shared_from_this(), channel = std::move(channel),
                                    still_wanted = std::move(still_wanted)] {
    if (still_wanted && still_wanted()) {
      return;
    }
    if (self->state_.forget(channel)) {
      send_unsubscribe(self->state_, *self->conn_, the_link, channel);
    }
  });
}

void subscriber::on_push(reply&& r) {
  const push_meaning m = state_.classify(the_link, r);
  if (m.what == push_meaning::kind::probe_token) {
    wake_.notify();
  } else if (m.what == push_meaning::kind::message && on_message_) {
    on_message_(m.channel, m.payload);
  }
}

net::awaitable<void> subscriber::probe_loop() {
  while (!stopped_.load()) {
    const auto next = wake_.now() + probe_.interval;
    if (co_await wake_.wait(next, [this] { return stopped_.load(); })) {
      break;
    }
    co_await probe_round();
  }
}

net::awaitable<void> subscriber::probe_round() {
  if (!conn_->up()) {
    co_return;  // down already: reported, and resubscribed when back
  }
  state_.set_probe(the_link, probe_channel_);  // named again if a refusal made it forget
  if (!co_await subscribe_probe(state_, *conn_, the_link)) {
    co_return;
  }
  const std::uint64_t token = state_.next_probe_token();
  auto published = co_await publish_(probe_channel_, std::to_string(token));
  if (!published || stopped_.load()) {
    co_return;  // the command side's trouble, which it reports itself
  }
  state_.probe_published(the_link, token, wake_.now());
  const auto failed = co_await finish_probe_round(state_, wake_, stopped_, probes_);
  if (!failed.empty()) {
    // The link looks up but the subscription is gone: reconnect, resubscribe, resync.
    conn_->drop();
  }
}

}  // namespace sse::redis
