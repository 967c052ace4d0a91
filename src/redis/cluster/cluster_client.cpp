#include "redis/cluster/cluster_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <set>

#include "redis/client.hpp"
#include "redis/cluster/slot.hpp"
#include "redis/request.hpp"
#include "redis/run_on.hpp"
#include "redis/script_loader.hpp"

namespace sse::redis::cluster {

namespace net = boost::asio;

namespace {

connection_config config_for(const connection_config& base, const node_address& node) {
  connection_config cfg = base;
  cfg.host = node.host;
  cfg.port = node.port;
  cfg.db = 0;  // a cluster has only database 0
  return cfg;
}

request encode(const command& argv) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  request r;
  r.push_argv(views);
  return r;
}

// Errors that say "not now, same node": the slot is being migrated (multi-key op split between
// nodes) or the cluster is electing a new master.
bool transient_cluster_error(const reply& r) {
  return r.error_starts_with("TRYAGAIN") || r.error_starts_with("CLUSTERDOWN");
}

}  // namespace

cluster_client::cluster_client(executor_type ex, std::vector<node_address> seeds,
                               connection_config base, std::vector<const script*> scripts,
                               cluster_options options)
    : ex_(std::move(ex)),
      seeds_(std::move(seeds)),
      base_(std::move(base)),
      scripts_(std::move(scripts)),
      options_(options),
      wake_(ex_, base_.clock) {}

cluster_client::~cluster_client() {
  stop();
}

void cluster_client::stop() {
  stopped_.store(true);
  {
    std::lock_guard lock(links_mu_);
    for (auto& [node, link] : links_) {
      link->stop();
    }
  }
  // A wait_up() in progress sees stopped_ at once rather than at its deadline. From the
  // destructor nothing can be waiting (every wait holds a reference), so there is none to wake.
  if (auto self = weak_from_this().lock()) {
    net::post(ex_, [self] { self->wake_.notify(); });
  }
}

net::awaitable<void> cluster_client::join() {
  co_await tasks_.join();
  std::vector<std::shared_ptr<connection>> links;
  {
    std::lock_guard lock(links_mu_);
    for (const auto& [node, link] : links_) {
      links.push_back(link);
    }
  }
  for (const auto& link : links) {
    co_await link->join();
  }
}

bool cluster_client::up() const noexcept {
  std::lock_guard lock(links_mu_);
  if (links_.empty()) {
    return false;
  }
  for (const auto& [node, link] : links_) {
    if (!link->up()) {
      return false;
    }
  }
  return true;
}

net::awaitable<void> cluster_client::sleep(std::chrono::milliseconds d) {
  net::steady_timer t(ex_, d);
  co_await t.async_wait(net::as_tuple(net::use_awaitable));
}

net::awaitable<bool> cluster_client::on_executor() const {
  co_return (co_await net::this_coro::executor) == ex_;
}

std::function<void(bool)> cluster_client::wake_on_state() {
  // Every connection this client makes (a master's link, a temporary one asking CLUSTER SLOTS)
  // is its own, so its one state handler is free for this; availability listens to ready.
  return [weak = weak_from_this()](bool) {
    if (auto self = weak.lock()) {
      self->wake_.notify();
    }
  };
}

net::awaitable<bool> cluster_client::wait_up(connection& c, std::chrono::milliseconds timeout) {
  (void)co_await wake_.wait(wake_.now() + timeout,
                            [&c, this] { return c.up() || stopped_.load(); });
  co_return c.up();
}

std::shared_ptr<connection> cluster_client::connection_for(const node_address& node) {
  if (auto it = links_.find(node); it != links_.end()) {
    return it->second;
  }
  auto c = std::make_shared<connection>(ex_, config_for(base_, node));
  // The scripts are on every node before it reports up.
  c->set_connect_hook(load_scripts_hook(scripts_));
  c->set_state_handler(wake_on_state());
  std::weak_ptr<cluster_client> weak = weak_from_this();
  c->set_ready_handler([weak](bool) {
    if (auto self = weak.lock()) {
      self->report_state();
    }
  });
  {
    std::lock_guard lock(links_mu_);
    links_.emplace(node, c);
  }
  report_state();
  if (!stopped_.load()) {
    c->start();
  }
  return c;
}

void cluster_client::adopt(slot_map map) {
  const auto masters = map.masters();
  const std::set<node_address> wanted(masters.begin(), masters.end());
  {
    // A node that is no longer a master (failed, or demoted to replica) keeps no link: its
    // reconnect loop would only knock on a dead port.
    std::lock_guard lock(links_mu_);
    for (auto it = links_.begin(); it != links_.end();) {
      if (!wanted.contains(it->first)) {
        it->second->stop();
        it = links_.erase(it);
      } else {
        ++it;
      }
    }
  }
  map_ = std::move(map);
  for (const auto& m : masters) {
    connection_for(m);
  }
  report_state();
}

void cluster_client::report_state() {
  if (tracker_) {
    tracker_->report(tracker_slot_, ready());
  }
}

bool cluster_client::ready() const noexcept {
  std::lock_guard lock(links_mu_);
  if (links_.empty()) {
    return false;
  }
  for (const auto& [node, link] : links_) {
    if (!link->ready()) {
      return false;
    }
  }
  return true;
}

net::awaitable<result<reply>> cluster_client::ask_slots(const node_address& node) {
  request req;
  req.push("CLUSTER", "SLOTS");
  std::shared_ptr<connection> c;
  bool temporary = false;
  if (auto it = links_.find(node); it != links_.end() && it->second->up()) {
    c = it->second;
  } else {
    c = std::make_shared<connection>(ex_, config_for(base_, node));
    c->set_state_handler(wake_on_state());
    c->start();
    temporary = true;
  }
  result<reply> out = errc::store_unavailable;
  if (co_await wait_up(*c, base_.connect_timeout)) {
    auto replies = co_await c->exec(std::move(req), base_.command_timeout);
    if (replies && replies->size() == 1 && !replies->front().is_error()) {
      out = std::move(replies->front());
    }
  }
  if (temporary) {
    c->stop();
  }
  co_return out;
}

net::awaitable<result<void>> cluster_client::refresh_here(bool forced) {
  const auto now = wake_.now();  // base.clock, as every deadline of this client
  if (!forced && !map_.empty() && now - last_refresh_ < options_.refresh_min_interval) {
    co_return result<void>{};
  }
  last_refresh_ = now;
  // Known masters first (they are up and know the newest epoch), then replicas, then the seeds.
  std::vector<node_address> candidates = map_.masters();
  for (const auto& r : map_.ranges()) {
    candidates.insert(candidates.end(), r.replicas.begin(), r.replicas.end());
  }
  candidates.insert(candidates.end(), seeds_.begin(), seeds_.end());
  std::set<node_address> tried;
  for (const auto& node : candidates) {
    if (stopped_.load() || !tried.insert(node).second) {
      continue;
    }
    auto r = co_await ask_slots(node);
    if (!r) {
      continue;
    }
    auto map = slot_map::from_cluster_slots(*r, node);
    if (!map || !map->covers_all_slots()) {
      continue;  // a node still joining, or a cluster mid-failover: ask another
    }
    adopt(std::move(*map));
    refreshes_.fetch_add(1);
    co_return result<void>{};
  }
  co_return errc::store_unavailable;
}

net::awaitable<result<void>> cluster_client::connect() {
  auto self = shared_from_this();
  auto op = [self]() { return self->refresh_here(true); };
  co_return co_await run_on<result<void>>(ex_, std::move(op));
}

net::awaitable<result<void>> cluster_client::refresh() {
  if (co_await on_executor()) {
    co_return co_await refresh_here(true);
  }
  auto self = shared_from_this();
  auto op = [self]() { return self->refresh_here(true); };
  co_return co_await run_on<result<void>>(ex_, std::move(op));
}

net::awaitable<slot_map> cluster_client::current_map() {
  if (co_await on_executor()) {
    co_return map_;
  }
  auto self = shared_from_this();
  auto op = [self]() -> net::awaitable<slot_map> { co_return self->map_; };
  co_return co_await run_on<slot_map>(ex_, std::move(op));
}

net::awaitable<result<std::vector<reply>>> cluster_client::exec(std::uint16_t slot,
                                                                std::vector<command> cmds) {
  if (co_await on_executor()) {
    // The caller's own worker's client: no hop, no post per command.
    co_return co_await exec_here(slot, std::move(cmds));
  }
  auto self = shared_from_this();
  auto op = [self, slot, cmds = std::move(cmds)]() mutable {
    return self->exec_here(slot, std::move(cmds));
  };
  co_return co_await run_on<result<std::vector<reply>>>(ex_, std::move(op));
}

net::awaitable<result<std::vector<reply>>> cluster_client::exec_here(std::uint16_t slot,
                                                                     std::vector<command> cmds) {
  const auto self = shared_from_this();
  std::vector<std::optional<reply>> out(cmds.size());
  std::vector<std::optional<node_address>> ask_target(cmds.size());
  std::vector<int> hops(cmds.size(), 0);
  std::vector<std::size_t> todo(cmds.size());
  for (std::size_t i = 0; i < todo.size(); ++i) {
    todo[i] = i;
  }
  int unavailable = 0;
  while (!todo.empty()) {
    if (stopped_.load()) {
      co_return errc::store_unavailable;
    }
    // Group the pending commands by destination: the slot's master, or an ASK target.
    std::map<node_address, std::vector<std::size_t>> groups;
    for (const std::size_t i : todo) {
      if (ask_target[i]) {
        groups[*ask_target[i]].push_back(i);
      } else if (const node_address* m = map_.master_of(slot)) {
        groups[*m].push_back(i);
      }
    }
    if (groups.empty()) {
      if (++unavailable > options_.max_unavailable_retries) {
        co_return errc::store_unavailable;
      }
      (void)co_await refresh_here(true);
      co_await sleep(options_.retry_delay);
      continue;
    }
    std::vector<std::size_t> next;
    bool need_refresh = false;
    bool need_pause = false;
    for (auto& [node, indexes] : groups) {
      auto link = connection_for(node);
      if (!co_await wait_up(*link, base_.connect_timeout)) {
        // Nothing was sent: safe to retry elsewhere once the map says where.
        need_refresh = true;
        need_pause = true;
        for (const std::size_t i : indexes) {
          ask_target[i].reset();
          next.push_back(i);
        }
        continue;
      }
      request req;
      for (const std::size_t i : indexes) {
        if (ask_target[i]) {
          req.push("ASKING");
        }
        req.append(encode(cmds[i]));
      }
      auto replies = co_await link->exec(std::move(req), base_.command_timeout);
      if (!replies) {
        // Sent but unanswered (outcome_unknown): the commands may have run. Never run them
        // twice; the caller answers 503 and a producer retries with Producer-Seq. The link's
        // store_unavailable (nothing written) passes through as is. The map is likely stale.
        (void)co_await refresh_here(false);
        co_return replies.error();
      }
      std::size_t at = 0;
      for (const std::size_t i : indexes) {
        if (ask_target[i]) {
          ++at;  // ASKING's +OK
        }
        if (at >= replies->size()) {
          co_return errc::internal;
        }
        reply& r = (*replies)[at++];
        ask_target[i].reset();
        if (auto redir = parse_redirect(r); redir || transient_cluster_error(r)) {
          redirects_.fetch_add(1);
          if (++hops[i] > options_.max_redirects) {
            co_return errc::store_unavailable;
          }
          if (!redir) {
            need_pause = true;
          } else if (redir->type == redirect::kind::moved) {
            map_.move_slot(redir->slot, redir->target);
            need_refresh = true;
          } else {
            ask_target[i] = redir->target;
          }
          next.push_back(i);
          continue;
        }
        out[i] = std::move(r);
      }
    }
    if (need_refresh) {
      (void)co_await refresh_here(false);
    }
    if (need_pause) {
      if (++unavailable > options_.max_unavailable_retries) {
        co_return errc::store_unavailable;
      }
      co_await sleep(options_.retry_delay);
    }
    todo = std::move(next);
  }
  std::vector<reply> replies;
  replies.reserve(out.size());
  for (auto& r : out) {
    replies.push_back(std::move(*r));
  }
  co_return replies;
}

}  // namespace sse::redis::cluster
