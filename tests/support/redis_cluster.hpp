#pragma once
// A private Redis Cluster for tests: N masters with R replicas each, every node a redis_server on
// its own free loopback port and folder, joined by `redis-cli --cluster create`, waited for
// (bounded) until every node says cluster_state:ok and agrees on the slot map.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace sse::test {

struct redis_cluster_options {
  int masters = 3;
  int replicas_per_master = 1;
  /// cluster-node-timeout: how long a master may be silent before its replica takes over.
  std::chrono::milliseconds node_timeout{2000};
  std::chrono::milliseconds ready_timeout{30000};
};

/// Thread safety: one thread at a time.
class redis_cluster {
 public:
  /// Starts and joins the nodes. Throws std::runtime_error (with logs) when it cannot.
  explicit redis_cluster(redis_cluster_options options = {});
  ~redis_cluster();
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;

  /// True when redis-server and redis-cli can be found.
  static bool available();

  std::size_t size() const noexcept { return nodes_.size(); }
  redis_server& node(std::size_t i) { return *nodes_.at(i); }
  /// "127.0.0.1:p1,127.0.0.1:p2,..." for every node (seeds for a client).
  std::string seeds() const;
  std::vector<std::uint16_t> ports() const;

  /// The node (index) whose CLUSTER NODES says it is master of slot, asked of a live node.
  /// -1 when unknown.
  int master_of_slot(std::uint16_t slot);
  /// The node id (CLUSTER MYID) of node i.
  std::string node_id(std::size_t i);

  /// Waits until every running node reports cluster_state:ok and all running masters cover all
  /// slots. False on timeout.
  bool wait_ok(std::chrono::milliseconds timeout);

  /// Waits until every running master has its replicas connected and in sync (state=online).
  bool wait_replicas_online(std::chrono::milliseconds timeout);

  /// Moves slot from node `from` to node `to` the way redis-cli --cluster reshard does:
  /// SETSLOT IMPORTING/MIGRATING, MIGRATE of every key in batches, SETSLOT NODE on both and on
  /// every other master. keys_per_batch small makes the migration window long.
  void migrate_slot(std::uint16_t slot, std::size_t from, std::size_t to,
                    std::size_t keys_per_batch = 10,
                    std::chrono::milliseconds pause_between_batches = std::chrono::milliseconds(0));

 private:
  redis_cluster_options options_;
  std::vector<std::unique_ptr<redis_server>> nodes_;
};

}  // namespace sse::test
