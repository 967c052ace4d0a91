#include "redis/cluster/sharded_subscriber.hpp"

#include <boost/asio/post.hpp>

#include "redis/cluster/slot.hpp"
#include "redis/run_on.hpp"

namespace sse::redis::cluster {

namespace net = boost::asio;

sharded_subscriber::sharded_subscriber(std::shared_ptr<cluster_client> cluster,
                                       connection_config base,
                                       std::chrono::milliseconds map_check_interval,
                                       std::shared_ptr<availability> tracker, std::size_t slot)
    : cluster_(std::move(cluster)),
      base_(std::move(base)),
      interval_(map_check_interval),
      tracker_(std::move(tracker)),
      slot_(slot),
      state_(pubsub_kind::sharded),
      wake_(cluster_->get_executor(), base_.clock),
      tasks_(cluster_->get_executor()) {}

void sharded_subscriber::enable_probe(probe_config cfg, std::string name) {
  probe_ = cfg;
  probe_name_ = std::move(name);
  state_.set_probe_timeout(cfg.timeout);
}

void sharded_subscriber::start() {
  tasks_.spawn([](std::shared_ptr<sharded_subscriber> self) -> net::awaitable<void> {
    co_await self->check_loop();
  }(shared_from_this()));
  if (probe_.interval.count() > 0 && !probe_name_.empty()) {
    tasks_.spawn([](std::shared_ptr<sharded_subscriber> self) -> net::awaitable<void> {
      co_await self->probe_loop();
    }(shared_from_this()));
  }
}

void sharded_subscriber::stop() {
  stopped_.store(true);
  net::post(cluster_->get_executor(), [self = shared_from_this()] {
    self->wake_.notify();  // the map check, the probe and waiting subscribes see stopped_
    for (auto& [name, l] : self->links_) {
      l.conn->stop();
    }
    self->links_.clear();
  });
}

void sharded_subscriber::update_up() {
  bool all = true;
  for (const auto& [name, l] : links_) {
    // A link still making its first connect is not an outage (a subscribe waits for it and
    // fails on its own); only a link that was up and dropped is.
    all = all && (l.conn->ready() || !state_.has_been_up(name));
  }
  up_.store(all);
  if (tracker_) {
    tracker_->report(slot_, all);
  }
}

std::shared_ptr<connection> sharded_subscriber::link_for(const node_address& node) {
  const link_name name = node.to_string();
  if (auto it = links_.find(name); it != links_.end()) {
    return it->second.conn;
  }
  connection_config cfg = base_;
  cfg.host = node.host;
  cfg.port = node.port;
  cfg.db = 0;
  auto c = std::make_shared<connection>(cluster_->get_executor(), cfg, true);
  // The handlers hold a weak reference: the link may outlive this subscriber briefly.
  std::weak_ptr<sharded_subscriber> weak = weak_from_this();
  c->set_push_handler([weak, name](reply&& r) {
    if (auto self = weak.lock()) {
      self->on_push(name, std::move(r));
    }
  });
  c->set_connect_hook([weak, name](connection& conn) -> net::awaitable<boost::system::error_code> {
    auto self = weak.lock();
    if (!self) {
      co_return boost::system::error_code{};
    }
    co_return co_await self->resubscribe_node(conn, name);
  });
  c->set_ready_handler([weak](bool) {
    if (auto self = weak.lock()) {
      self->update_up();  // a stalled link is an outage too, though its socket stays open
    }
  });
  c->set_state_handler([weak, name](bool up) {
    auto self = weak.lock();
    if (!self) {
      return;
    }
    self->update_up();
    if (!up) {
      self->state_.link_down(name);
      self->check_soon_ = true;  // the node may have failed over: look at the map
    }
    self->wake_.notify();  // the map check, and a subscribe that may be waiting for this link
    if (!up) {
      return;
    }
    if (self->state_.link_up(name) && self->on_resync_) {
      self->on_resync_();
    }
  });
  links_.emplace(name, link{node, c});
  update_up();
  if (!stopped_.load()) {
    tasks_.spawn(c->run());
  }
  return c;
}

net::awaitable<boost::system::error_code> sharded_subscriber::resubscribe_node(connection& c,
                                                                               link_name name) {
  auto outcome = co_await resubscribe_link(state_, c, name);
  if (outcome && outcome->refused) {
    // MOVED: the slot left this node while it was away; the map check moves it (and the probe
    // picks another tag).
    check_soon_ = true;
  }
  co_return outcome ? boost::system::error_code{} : outcome.error();
}

net::awaitable<result<void>> sharded_subscriber::subscribe(std::string channel) {
  auto op = [self = shared_from_this(), channel = std::move(channel)]() mutable {
    return self->subscribe_here(std::move(channel));
  };
  co_return co_await run_on<result<void>>(cluster_->get_executor(), std::move(op));
}

net::awaitable<result<void>> sharded_subscriber::subscribe_here(std::string channel) {
  const std::uint16_t slot = key_slot(channel);
  for (int attempt = 0; attempt < 4 && !stopped_.load(); ++attempt) {
    const node_address* owner = cluster_->map_here().master_of(slot);
    if (owner == nullptr) {
      (void)co_await cluster_->refresh_on_executor(false);
      continue;
    }
    const node_address node = *owner;
    const link_name name = node.to_string();
    if (state_.want(channel, name)) {
      co_return result<void>{};
    }
    auto link = link_for(node);
    if (!link->up()) {
      // The connect hook subscribes it once the link is up; wait for that (bounded).
      (void)co_await wake_.wait(wake_.now() + base_.connect_timeout,
                                [&] { return link->up() || stopped_.load(); });
      if (state_.confirmed(channel)) {
        co_return result<void>{};
      }
      if (!link->up()) {
        (void)co_await cluster_->refresh_on_executor(false);
        continue;
      }
    }
    if (!state_.wanted(channel)) {
      // The last listener left while this waited: nothing to subscribe (and nothing to leak).
      co_return result<void>{};
    }
    auto answer = co_await subscribe_on(state_, *link, name, channel);
    if (answer && *answer == subscribe_answer::refused) {
      (void)co_await cluster_->refresh_on_executor(true);  // MOVED: our map is stale
    }
    if (answer && *answer == subscribe_answer::confirmed) {
      co_return result<void>{};
    }
  }
  co_return errc::store_unavailable;
}

void sharded_subscriber::unsubscribe(std::string channel, std::function<bool()> still_wanted) {
  net::post(cluster_->get_executor(), [self = shared_from_this(), channel = std::move(channel),
                                       still_wanted = std::move(still_wanted)] {
    if (still_wanted && still_wanted()) {
      return;
    }
    const auto name = self->state_.forget(channel);
    // Sent even when the SSUBSCRIBE is still unanswered: the link keeps the order, so the
    // channel ends unsubscribed either way. A link that is gone forgot it already.
    if (auto l = name ? self->links_.find(*name) : self->links_.end(); l != self->links_.end()) {
      send_unsubscribe(self->state_, *l->second.conn, *name, channel);
    }
  });
}

void sharded_subscriber::on_push(const link_name& name, reply&& r) {
  const push_meaning m = state_.classify(name, r);
  switch (m.what) {
    case push_meaning::kind::message:
      if (on_message_) {
        on_message_(m.channel, m.payload);
      }
      return;
    case push_meaning::kind::probe_token:
      wake_.notify();
      return;
    case push_meaning::kind::moved:
      check_soon_ = true;  // unasked: the slot moved away; look at the map now
      wake_.notify();
      return;
    default:
      return;  // our own SUNSUBSCRIBE answered; a moved probe gets a new tag next round
  }
}

const std::string* sharded_subscriber::probe_for(const link_name& name, const node_address& node) {
  const slot_map& map = cluster_->map_here();
  if (const std::string* channel = state_.probe_channel(name)) {
    const node_address* owner = map.master_of(key_slot(*channel));
    if (owner != nullptr && *owner == node) {
      return channel;
    }
    state_.forget_probe(name);
  }
  // A master owns about a third of the slots: a few tries find a tag that hashes to one.
  for (int i = 0; i < 1'000'000; ++i) {
    std::string tag = std::to_string(i);
    const node_address* owner = map.master_of(key_slot(tag));
    if (owner != nullptr && *owner == node) {
      state_.set_probe(name, "{" + tag + "}" + probe_name_);
      return state_.probe_channel(name);
    }
  }
  return nullptr;
}

net::awaitable<void> sharded_subscriber::probe_loop() {
  while (!stopped_.load()) {
    if (co_await wake_.wait(wake_.now() + probe_.interval, [this] { return stopped_.load(); })) {
      break;
    }
    co_await probe_round();
  }
}

net::awaitable<void> sharded_subscriber::probe_round() {
  std::vector<link_name> names;
  for (const auto& [name, l] : links_) {
    if (l.conn->up()) {
      names.push_back(name);
    }
  }
  for (const auto& name : names) {
    auto l = links_.find(name);
    if (l == links_.end() || !l->second.conn->up()) {
      continue;
    }
    const std::shared_ptr<connection> conn = l->second.conn;
    const std::string* probe = probe_for(name, l->second.node);
    if (probe == nullptr) {
      continue;
    }
    const std::string channel = *probe;
    if (!co_await subscribe_probe(state_, *conn, name)) {
      continue;  // down, or MOVED (the map is stale): try again next round
    }
    const std::uint64_t token = state_.next_probe_token();
    std::vector<command> cmds{{"SPUBLISH", channel, std::to_string(token)}};
    auto published = co_await cluster_->exec(key_slot(channel), std::move(cmds));
    if (!published || published->empty() || published->front().is_error()) {
      continue;  // the command side's trouble, which it reports itself
    }
    state_.probe_published(name, token, wake_.now());
  }
  const auto failed = co_await finish_probe_round(state_, wake_, stopped_, probes_);
  for (const auto& name : failed) {
    // The link looks up but its subscriptions are gone: reconnect, resubscribe, resync.
    if (auto l = links_.find(name); l != links_.end()) {
      l->second.conn->drop();
    }
  }
}

net::awaitable<void> sharded_subscriber::check_loop() {
  while (!stopped_.load()) {
    if (!check_soon_) {
      (void)co_await wake_.wait(wake_.now() + interval_,
                                [this] { return check_soon_ || stopped_.load(); });
    }
    if (stopped_.load()) {
      break;
    }
    check_soon_ = false;
    co_await check_map();
  }
}

net::awaitable<void> sharded_subscriber::check_map() {
  if (state_.channels().empty()) {
    co_return;
  }
  (void)co_await cluster_->refresh_on_executor(true);
  bool moved = false;
  std::vector<std::string> to_move;
  for (const auto& [channel, entry] : state_.channels()) {
    const node_address* owner = cluster_->map_here().master_of(key_slot(channel));
    if (owner != nullptr && (owner->to_string() != entry.link || !entry.confirmed)) {
      to_move.push_back(channel);
    }
  }
  for (const auto& channel : to_move) {
    if (!state_.wanted(channel)) {
      continue;
    }
    state_.unconfirm(channel);
    auto r = co_await subscribe_here(channel);
    if (r) {
      moved = true;
      moves_.fetch_add(1);
    } else {
      check_soon_ = true;
    }
  }
  // Links to nodes that own none of our channels any more (failed or demoted) are dropped.
  const std::set<link_name> used = state_.links_in_use();
  for (auto it = links_.begin(); it != links_.end();) {
    if (!used.contains(it->first)) {
      it->second.conn->stop();
      state_.forget_link(it->first);
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
  update_up();
  if (moved && on_resync_) {
    on_resync_();
  }
  if (check_soon_) {
    // Something could not move yet (a failover in progress): pause before the next look.
    (void)co_await wake_.wait(wake_.now() + std::chrono::milliseconds(200),
                              [this] { return stopped_.load(); });
  }
}

}  // namespace sse::redis::cluster
