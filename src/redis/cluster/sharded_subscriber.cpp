#include "redis/cluster/sharded_subscriber.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <set>

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
      timer_(cluster_->get_executor()) {}

void sharded_subscriber::enable_probe(probe_config cfg, std::string name) {
  probe_ = cfg;
  probe_name_ = std::move(name);
}

void sharded_subscriber::start() {
  net::co_spawn(
      cluster_->get_executor(),
      [](std::shared_ptr<sharded_subscriber> self) -> net::awaitable<void> {
        co_await self->check_loop();
      }(shared_from_this()),
      net::detached);
  if (probe_.interval.count() > 0 && !probe_name_.empty()) {
    net::co_spawn(
        cluster_->get_executor(),
        [](std::shared_ptr<sharded_subscriber> self) -> net::awaitable<void> {
          co_await self->probe_loop();
        }(shared_from_this()),
        net::detached);
  }
}

void sharded_subscriber::stop() {
  stopped_.store(true);
  net::post(cluster_->get_executor(), [self = shared_from_this()] {
    self->timer_.cancel();
    for (auto& [node, link] : self->links_) {
      link->stop();
    }
    self->links_.clear();
  });
}

void sharded_subscriber::update_up() {
  bool all = true;
  for (const auto& [node, link] : links_) {
    // A link still making its first connect is not an outage (a subscribe waits for it and
    // fails on its own); only a link that was up and dropped is.
    const auto once = connected_once_.find(node);
    all = all && (link->ready() || once == connected_once_.end() || !once->second);
  }
  up_.store(all);
  if (tracker_) {
    tracker_->report(slot_, all);
  }
}

std::shared_ptr<connection> sharded_subscriber::link_for(const node_address& node) {
  if (auto it = links_.find(node); it != links_.end()) {
    return it->second;
  }
  connection_config cfg = base_;
  cfg.host = node.host;
  cfg.port = node.port;
  cfg.db = 0;
  auto c = std::make_shared<connection>(cluster_->get_executor(), cfg, true);
  // The handlers hold a weak reference: the link may outlive this subscriber briefly.
  std::weak_ptr<sharded_subscriber> weak = weak_from_this();
  c->set_push_handler([weak, node](reply&& r) {
    if (auto self = weak.lock()) {
      self->on_push(node, std::move(r));
    }
  });
  c->set_connect_hook([weak, node](connection& conn) -> net::awaitable<boost::system::error_code> {
    auto self = weak.lock();
    if (!self) {
      co_return boost::system::error_code{};
    }
    co_return co_await self->resubscribe_node(conn, node);
  });
  c->set_ready_handler([weak](bool) {
    if (auto self = weak.lock()) {
      self->update_up();  // a stalled link is an outage too, though its socket stays open
    }
  });
  c->set_state_handler([weak, node](bool up) {
    auto self = weak.lock();
    if (!self) {
      return;
    }
    self->update_up();
    if (!up) {
      for (auto& [channel, st] : self->channels_) {
        if (st.node == node) {
          st.confirmed = false;
        }
      }
      self->own_sunsubscribes_.erase(node);  // their answers died with the link
      if (auto p = self->probes_.find(node); p != self->probes_.end()) {
        p->second.confirmed = false;
      }
      self->check_soon_ = true;  // the node may have failed over: look at the map
      self->timer_.cancel();
      return;
    }
    if (self->connected_once_[node] && self->on_resync_) {
      self->on_resync_();
    }
    self->connected_once_[node] = true;
  });
  links_.emplace(node, c);
  update_up();
  if (!stopped_.load()) {
    c->start();
  }
  return c;
}

net::awaitable<boost::system::error_code> sharded_subscriber::resubscribe_node(connection& c,
                                                                               node_address node) {
  request r;
  std::vector<std::string> names;
  for (const auto& [channel, st] : channels_) {
    if (st.node == node) {
      r.push("SSUBSCRIBE", channel);
      names.push_back(channel);
    }
  }
  std::string probe_channel;
  if (auto p = probes_.find(node); p != probes_.end()) {
    probe_channel = p->second.channel;
    r.push("SSUBSCRIBE", probe_channel);
    names.push_back(probe_channel);
  }
  if (r.empty()) {
    co_return boost::system::error_code{};
  }
  auto replies = co_await c.exec_unchecked(std::move(r), c.config().connect_timeout);
  if (!replies) {
    co_return replies.error();
  }
  for (std::size_t i = 0; i < replies->size(); ++i) {
    const reply& rep = (*replies)[i];
    if (rep.is_error()) {
      // MOVED: the slot left this node while it was away; the map check moves it (and the
      // probe picks another tag).
      check_soon_ = true;
      if (names[i] == probe_channel) {
        probes_.erase(node);
      }
      continue;
    }
    if (names[i] == probe_channel) {
      if (auto p = probes_.find(node); p != probes_.end() && p->second.channel == names[i]) {
        p->second.confirmed = true;
      }
      continue;
    }
    if (auto it = channels_.find(names[i]); it != channels_.end() && it->second.node == node) {
      it->second.confirmed = true;
    }
  }
  co_return boost::system::error_code{};
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
    auto [it, inserted] = channels_.try_emplace(channel, channel_state{node, false});
    if (it->second.node == node && it->second.confirmed) {
      co_return result<void>{};
    }
    it->second = channel_state{node, false};
    auto link = link_for(node);
    if (!link->up()) {
      // The connect hook subscribes it once the link is up; wait for that (bounded).
      const auto deadline = std::chrono::steady_clock::now() + base_.connect_timeout;
      net::steady_timer t(cluster_->get_executor());
      while (!link->up() && std::chrono::steady_clock::now() < deadline && !stopped_.load()) {
        t.expires_after(std::chrono::milliseconds(5));
        co_await t.async_wait(net::as_tuple(net::use_awaitable));
      }
      auto again = channels_.find(channel);
      if (again != channels_.end() && again->second.confirmed) {
        co_return result<void>{};
      }
      if (!link->up()) {
        (void)co_await cluster_->refresh_on_executor(false);
        continue;
      }
    }
    if (!channels_.contains(channel)) {
      // The last listener left while this waited: nothing to subscribe (and nothing to leak).
      co_return result<void>{};
    }
    request r;
    r.push("SSUBSCRIBE", channel);
    auto replies = co_await link->exec(std::move(r));
    if (!replies) {
      continue;
    }
    const reply& rep = replies->front();
    if (rep.is_error()) {
      (void)co_await cluster_->refresh_on_executor(true);  // MOVED: our map is stale
      continue;
    }
    if (auto again = channels_.find(channel);
        again != channels_.end() && again->second.node == node) {
      again->second.confirmed = true;
    }
    co_return result<void>{};
  }
  co_return errc::store_unavailable;
}

void sharded_subscriber::unsubscribe(std::string channel, std::function<bool()> still_wanted) {
  net::post(cluster_->get_executor(), [self = shared_from_this(), channel = std::move(channel),
                                       still_wanted = std::move(still_wanted)] {
    if (still_wanted && still_wanted()) {
      return;
    }
    auto it = self->channels_.find(channel);
    if (it == self->channels_.end()) {
      return;
    }
    const node_address node = it->second.node;
    self->channels_.erase(it);
    // Sent even when the SSUBSCRIBE is still unanswered: the link keeps the order, so the
    // channel ends unsubscribed either way. A link that is down forgot it already.
    auto link = self->links_.find(node);
    if (link == self->links_.end()) {
      return;
    }
    request r;
    r.push("SUNSUBSCRIBE", channel);
    if (link->second->send_answered_by_push(std::move(r))) {
      ++self->own_sunsubscribes_[node][channel];
    }
  });
}

void sharded_subscriber::on_push(const node_address& node, reply&& r) {
  const auto& e = r.elements;
  auto probe = probes_.find(node);
  const bool is_probe = probe != probes_.end() && probe->second.channel == e[1].str;
  if (e[0].str == "smessage" && e.size() == 3) {
    if (is_probe) {
      const auto token = std::strtoull(e[2].str.c_str(), nullptr, 10);
      probe->second.received = std::max<std::uint64_t>(probe->second.received, token);
      return;
    }
    if (on_message_) {
      on_message_(e[1].str, e[2].str);
    }
    return;
  }
  if (e[0].str != "sunsubscribe") {
    return;
  }
  if (auto own = own_sunsubscribes_.find(node); own != own_sunsubscribes_.end()) {
    if (auto it = own->second.find(e[1].str); it != own->second.end()) {
      // The answer to our own SUNSUBSCRIBE (the last listener left), not a slot move.
      if (--it->second == 0) {
        own->second.erase(it);
      }
      return;
    }
  }
  // Unasked: the slot moved away. Look at the map now.
  if (is_probe) {
    probes_.erase(probe);  // the next round picks a tag this node still owns
    return;
  }
  if (auto it = channels_.find(e[1].str); it != channels_.end() && it->second.node == node) {
    it->second.confirmed = false;
  }
  check_soon_ = true;
  timer_.cancel();
}

sharded_subscriber::probe_state* sharded_subscriber::probe_for(const node_address& node) {
  const slot_map& map = cluster_->map_here();
  if (auto it = probes_.find(node); it != probes_.end()) {
    const node_address* owner = map.master_of(it->second.slot);
    if (owner != nullptr && *owner == node) {
      return &it->second;
    }
    probes_.erase(it);
  }
  // A master owns about a third of the slots: a few tries find a tag that hashes to one.
  for (int i = 0; i < 1'000'000; ++i) {
    std::string tag = std::to_string(i);
    const std::uint16_t slot = key_slot(tag);
    const node_address* owner = map.master_of(slot);
    if (owner != nullptr && *owner == node) {
      probe_state st;
      st.channel = "{" + tag + "}" + probe_name_;
      st.slot = slot;
      return &probes_.insert_or_assign(node, std::move(st)).first->second;
    }
  }
  return nullptr;
}

net::awaitable<void> sharded_subscriber::probe_loop() {
  const auto self = shared_from_this();
  net::steady_timer t(cluster_->get_executor());
  while (!stopped_.load()) {
    t.expires_after(probe_.interval);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    if (stopped_.load()) {
      break;
    }
    co_await probe_round();
  }
}

net::awaitable<void> sharded_subscriber::probe_round() {
  std::vector<node_address> nodes;
  for (const auto& [node, link] : links_) {
    if (link->up()) {
      nodes.push_back(node);
    }
  }
  std::vector<std::pair<node_address, std::uint64_t>> sent;
  for (const auto& node : nodes) {
    auto link = links_.find(node);
    if (link == links_.end() || !link->second->up()) {
      continue;
    }
    const probe_state* p = probe_for(node);
    if (p == nullptr) {
      continue;
    }
    const std::string channel = p->channel;
    const std::uint16_t slot = p->slot;
    if (!p->confirmed) {
      request r;
      r.push("SSUBSCRIBE", channel);
      auto replies = co_await link->second->exec(std::move(r));
      auto again = probes_.find(node);
      if (!replies || again == probes_.end() || again->second.channel != channel) {
        continue;
      }
      if (replies->front().is_error()) {
        probes_.erase(again);  // MOVED: the map is stale; try again next round
        continue;
      }
      again->second.confirmed = true;
    }
    const std::uint64_t token = ++probe_token_;
    std::vector<command> cmds{{"SPUBLISH", channel, std::to_string(token)}};
    auto published = co_await cluster_->exec(slot, std::move(cmds));
    if (!published || published->empty() || published->front().is_error()) {
      continue;  // the command side's trouble, which it reports itself
    }
    sent.emplace_back(node, token);
  }
  const auto deadline = std::chrono::steady_clock::now() + probe_.timeout;
  net::steady_timer t(cluster_->get_executor());
  auto all_back = [&] {
    for (const auto& [node, token] : sent) {
      auto p = probes_.find(node);
      if (p != probes_.end() && p->second.received < token) {
        return false;
      }
    }
    return true;
  };
  while (!all_back() && std::chrono::steady_clock::now() < deadline && !stopped_.load()) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
  if (stopped_.load()) {
    co_return;
  }
  for (const auto& [node, token] : sent) {
    auto p = probes_.find(node);
    if (p == probes_.end() || p->second.received >= token) {
      probes_ok_.fetch_add(1);  // came back (or the slot moved and the probe with it)
      continue;
    }
    // The link looks up but its subscriptions are gone: reconnect, resubscribe, resync.
    probe_failures_.fetch_add(1);
    p->second.confirmed = false;
    if (auto link = links_.find(node); link != links_.end()) {
      link->second->drop();
    }
  }
}

net::awaitable<void> sharded_subscriber::check_loop() {
  const auto self = shared_from_this();
  while (!stopped_.load()) {
    if (!check_soon_) {
      timer_.expires_after(interval_);
      co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (stopped_.load()) {
      break;
    }
    check_soon_ = false;
    co_await check_map();
  }
}

net::awaitable<void> sharded_subscriber::check_map() {
  if (channels_.empty()) {
    co_return;
  }
  (void)co_await cluster_->refresh_on_executor(true);
  bool moved = false;
  std::vector<std::string> to_move;
  for (const auto& [channel, st] : channels_) {
    const node_address* owner = cluster_->map_here().master_of(key_slot(channel));
    if (owner != nullptr && (*owner != st.node || !st.confirmed)) {
      to_move.push_back(channel);
    }
  }
  for (const auto& channel : to_move) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) {
      continue;
    }
    it->second.confirmed = false;
    auto r = co_await subscribe_here(channel);
    if (r) {
      moved = true;
      moves_.fetch_add(1);
    } else {
      check_soon_ = true;
    }
  }
  // Links to nodes that own none of our channels any more (failed or demoted) are dropped.
  std::set<node_address> used;
  for (const auto& [channel, st] : channels_) {
    used.insert(st.node);
  }
  for (auto it = links_.begin(); it != links_.end();) {
    if (!used.contains(it->first)) {
      it->second->stop();
      connected_once_.erase(it->first);
      own_sunsubscribes_.erase(it->first);
      probes_.erase(it->first);
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
    net::steady_timer t(cluster_->get_executor(), std::chrono::milliseconds(200));
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
}

}  // namespace sse::redis::cluster
