#pragma once
// `--store redis-cluster://[[user]:password@]host:port[,host:port...]`: the seed nodes of a Redis
// Cluster and the credentials every node shares.

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/config.hpp"

namespace sse::redis::cluster {

struct cluster_url {
  std::vector<node_address> seeds;  ///< at least one
  connection_config connection;     ///< username/password; host and port unused
};

/// errc::invalid_argument when malformed (no seed, a seed without a valid port, a /db: a cluster
/// has only database 0).
result<cluster_url> parse_cluster_url(std::string_view url);

/// The part of a multi-node URL after the scheme and before any path:
/// `[[user]:password@]host:port[,host:port...]`. Fills cfg's username and password and returns
/// the nodes (shared by redis-cluster:// and redis-sentinel://). errc::invalid_argument when a
/// node is malformed, a comma trails, credentials lack their ':' or there is no node.
result<std::vector<node_address>> parse_credentials_and_nodes(std::string_view text,
                                                              connection_config& cfg);

}  // namespace sse::redis::cluster
