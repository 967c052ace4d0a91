#include "redis/links.hpp"

#include <chrono>
#include <utility>

#include "redis/client.hpp"
#include "redis/cluster/worker_clients.hpp"
#include "redis/cluster/worker_subscribers.hpp"
#include "redis/request.hpp"
#include "redis/sentinel/sentinel_resolver.hpp"
#include "redis/subscriber.hpp"

namespace sse::redis {

namespace {

namespace net = boost::asio;

links cluster_links(const topology_options& o, const std::vector<net::any_io_executor>& workers,
                    const std::vector<const script*>& scripts) {
  // As a single node: every worker talks through its own links (a cluster client per worker:
  // its connections to the masters, its slot map). Sharded pub/sub is split over the workers by
  // slot (worker_subscribers.hpp says why).
  links out;
  const std::size_t n = workers.size();
  out.tracker = std::make_shared<availability>(2 * n);
  auto commands = std::make_shared<cluster::worker_clients>(workers, o.cluster_seeds, o.connection,
                                                            scripts, out.tracker, 0);
  auto pubsub = std::make_shared<cluster::worker_subscribers>(
      *commands, o.connection, std::chrono::seconds(1), out.tracker, n);
  pubsub->enable_probe(o.probe, o.probe_channel);
  out.commands = std::move(commands);
  out.pubsub = std::move(pubsub);
  out.primary = [] { return std::optional<cluster::node_address>{}; };
  return out;
}

links node_links(const topology_options& o, const std::vector<net::any_io_executor>& workers,
                 std::vector<const script*> scripts) {
  links out;
  out.tracker = std::make_shared<availability>(workers.size() + 1);
  connection_config link = o.connection;
  std::shared_ptr<sentinel::sentinel_resolver> resolver;
  if (!o.sentinels.empty()) {
    // Every connect asks the sentinels where the primary is now and checks ROLE, so a failover
    // is followed by the ordinary reconnect (scripts, resubscribe, resync).
    link.require_master = true;
    resolver = std::make_shared<sentinel::sentinel_resolver>(o.sentinels, o.sentinel_master,
                                                             o.connection.connect_timeout);
  }
  auto commands = std::make_shared<client>(workers, link, std::move(scripts), out.tracker, 0);
  auto pubsub = std::make_shared<subscriber>(workers.front(), link, out.tracker, workers.size());
  if (resolver) {
    for (std::size_t i = 0; i < commands->size(); ++i) {
      commands->at(i).set_address_provider(sentinel::sentinel_resolver::provider(resolver));
    }
    pubsub->link().set_address_provider(sentinel::sentinel_resolver::provider(resolver));
    commands->set_demoted_handler([weak = std::weak_ptr<subscriber>(pubsub)] {
      if (auto s = weak.lock()) {
        s->link().drop();
      }
    });
  }
  // The probe publishes through a command connection: a subscribed one cannot PUBLISH.
  pubsub->enable_probe(
      o.probe, o.probe_channel,
      [weak = std::weak_ptr<client>(commands)](
          std::string channel, std::string payload) -> net::awaitable<result<void>> {
        auto c = weak.lock();
        if (!c) {
          co_return errc::store_unavailable;
        }
        request req;
        req.push("PUBLISH", channel, payload);
        auto r = co_await c->exec(std::move(req));
        if (!r || r->empty() || r->front().is_error()) {
          co_return errc::store_unavailable;
        }
        co_return result<void>{};
      });
  out.expiry_channel = "__keyevent@" + std::to_string(o.connection.db) + "__:expired";
  out.primary = [resolver]() -> std::optional<cluster::node_address> {
    if (!resolver) {
      return std::nullopt;
    }
    return resolver->last_known();
  };
  out.commands = std::move(commands);
  out.pubsub = std::move(pubsub);
  return out;
}

}  // namespace

links make_links(const topology_options& options, const std::vector<net::any_io_executor>& workers,
                 std::vector<const script*> scripts) {
  if (!options.cluster_seeds.empty()) {
    return cluster_links(options, workers, scripts);
  }
  return node_links(options, workers, std::move(scripts));
}

}  // namespace sse::redis
