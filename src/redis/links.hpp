#pragma once
// The one place that knows the three Redis topologies: from the configuration, picks the pair
// of links (command_link, pubsub_link) once at start and wires what is particular to each:
//   single node  redis::client (a connection per worker) + redis::subscriber (PUBLISH)
//   Sentinel     the same, asking the sentinels for the primary before every connect, checking
//                ROLE after it, and dropping both when a script meets READONLY (a demoted primary)
//   cluster      cluster::worker_clients (per worker: a cluster client, its connection per
//                master and its slot map) + cluster::worker_subscribers (per worker: a
//                sharded_subscriber for the channels of its share of the slots; SSUBSCRIBE on
//                each channel's slot, SPUBLISH)
// Code above the links never asks which one it got.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis/availability.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/command_link.hpp"
#include "redis/config.hpp"
#include "redis/pubsub_link.hpp"
#include "redis/script.hpp"

namespace sse::redis {

struct topology_options {
  /// The single node; Sentinel: the primary's credentials and db; cluster: the timeouts and
  /// credentials of every node's link (host and port ignored).
  connection_config connection;
  /// Not empty: a cluster, found through these seed nodes.
  std::vector<cluster::node_address> cluster_seeds;
  /// Not empty: the sentinels asked for the primary of sentinel_master.
  std::vector<cluster::node_address> sentinels;
  std::string sentinel_master;
  /// The pub/sub liveness probe (off when interval is 0) on probe_channel, which must be unique
  /// to this process (a cluster probes `{<tag>}<probe_channel>` on each master).
  probe_config probe;
  std::string probe_channel;
};

/// A topology's pair of links and what comes with it.
struct links {
  std::shared_ptr<command_link> commands;
  std::shared_ptr<pubsub_link> pubsub;
  /// Every connection of both links reports here: all_up() is "Redis is available".
  std::shared_ptr<availability> tracker;
  /// Where Redis announces expired keys (`__keyevent@<db>__:expired`); empty for a cluster, whose
  /// nodes announce only their own keys and only to their own subscribers.
  std::string expiry_channel;
  /// Where the sentinels last said the primary is; nullopt outside Sentinel mode. Any thread.
  std::function<std::optional<cluster::node_address>()> primary;
};

/// The links for options, with one command connection per worker (a cluster: one per worker and
/// master) and the subscription on workers.front() (a cluster: split over the workers by slot).
/// scripts are loaded on every (re)connect and must outlive every connection. Call
/// commands->start(), then pubsub->start().
links make_links(const topology_options& options,
                 const std::vector<boost::asio::any_io_executor>& workers,
                 std::vector<const script*> scripts);

}  // namespace sse::redis
