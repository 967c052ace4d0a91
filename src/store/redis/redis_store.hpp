#pragma once
// The shared store on Redis: several gateway nodes serve the same streams. Every operation is one
// script call (one round trip) through the command link (the caller's worker's connection, or the
// stream's slot's master); live batches travel on `{prefix}live:{id}` through the pub/sub link.
// Which Redis topology (single node, Sentinel, cluster) is behind the links is decided once, by
// redis::make_links: nothing here branches on it.
//
// Threading: every method may be called from any worker. Construction, start() and stop() from
// the owner's thread. Listeners are called on the subscriber's executor (workers.front()).

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/config.hpp"
#include "redis/links.hpp"
#include "redis/task_group.hpp"
#include "store/listener_set.hpp"
#include "store/redis/expiry_report.hpp"
#include "store/redis/keys.hpp"
#include "store/redis/migration.hpp"
#include "store/store.hpp"

namespace sse::store {

struct redis_store_options {
  redis::connection_config connection;
  std::string prefix = "sse:";           ///< --redis-prefix
  std::size_t compress_min_bytes = 128;  ///< --compress-min-bytes: zstd at or above this size
  int compression_level = 3;
  /// Redis Cluster seed nodes (--store redis-cluster://...); empty: the single node of
  /// `connection`, whose timeouts and credentials the cluster links use too.
  std::vector<redis::cluster::node_address> cluster_seeds;
  /// --redis-wait-replicas: after an append, WAIT for this many replicas (0: do not wait); an
  /// append not acknowledged by them in wait_timeout fails with outcome_unknown (503): the
  /// primary holds it, but it may not survive a failover.
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};
  /// --redis-probe-interval/-timeout: the pub/sub liveness probe (off when interval is 0). Its
  /// channel is `{prefix}probe:<random>` (cluster: `{<tag>}{prefix}probe:<random>` per master).
  redis::probe_config probe;
  /// Sentinel (--store redis-sentinel://...): the sentinels asked for the primary of
  /// sentinel_master before every connect; empty: `connection`'s host and port. The primary's
  /// credentials and db are `connection`'s.
  std::vector<redis::cluster::node_address> sentinels;
  std::string sentinel_master;
};

class redis_store final : public store {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// workers: one command connection each (callers use their own worker's); the subscriber
  /// connection runs on workers.front(). clock must outlive the store. Call start() next.
  redis_store(store_limits limits, redis_store_options options, std::vector<executor_type> workers,
              const core::clock& clock);
  ~redis_store() override;
  redis_store(const redis_store&) = delete;
  redis_store& operator=(const redis_store&) = delete;

  /// handler(false) when a connection is lost (SseStoreUnavailable), handler(true) when every
  /// connection is up again (SseStoreRecovered, and the first connect). Set before start();
  /// called on a connection's executor, must be quick.
  void set_availability_handler(std::function<void(bool)> handler);
  /// Operator-facing warnings, each at most once (Redis refusing CONFIG SET
  /// notify-keyspace-events). Set before start(); called on a connection's executor.
  void set_warning_handler(std::function<void(const std::string&)> handler);
  /// handler(e) for every v1.10 element an upgrade (first touch or migrate_all) could not decode
  /// and kept aside in the stream's quarantine key (SseMigrationUnreadable). Set before any
  /// operation runs (it is not synchronised with them); called on the upgrading caller's
  /// executor, must be quick.
  void set_unreadable_handler(std::function<void(const redis_layout::unreadable_element&)> handler);

  /// Connects (in the background: available() turns true once every connection is up).
  void start();
  /// Disconnects; the connections wind down on their executors, so the store may be destroyed
  /// right after. Listeners get nothing more.
  void stop();
  /// Completes once the store's own background coroutines (enabling and re-arming expiry
  /// notifications, expiry claims) and those of its two links (connection run loops, probes)
  /// have returned: after stop(), within one retry pause. Any executor.
  boost::asio::awaitable<void> join();

  boost::asio::awaitable<result<create_result>> create(std::string stream_id,
                                                       stream_options options) override;
  boost::asio::awaitable<result<append_result>> append(append_request request) override;
  boost::asio::awaitable<result<end_result>> end(std::string stream_id,
                                                 stream_status status) override;
  boost::asio::awaitable<result<stream_info>> info(std::string stream_id) override;
  boost::asio::awaitable<result<void>> renew(std::string stream_id) override;
  boost::asio::awaitable<result<void>> remove(std::string stream_id) override;
  boost::asio::awaitable<result<read_result>> read_after(std::string stream_id,
                                                         seq_t after) override;
  boost::asio::awaitable<result<void>> watch(std::string stream_id,
                                             live_listener* listener) override;
  void unwatch(const std::string& stream_id, live_listener* listener) override;
  /// Redis expires keys itself; what it expired reaches every node as keyspace notifications
  /// (`__keyevent@<db>__:expired`, enabled with CONFIG SET notify-keyspace-events Ex at start
  /// and after every reconnect of the subscription; single-node and Sentinel modes only).
  /// Returns the streams whose state (or end tombstone) expired since the last call and whose
  /// report this node claimed (`{prefix}expired-claim:{id}`): one node reports each expiry.
  std::vector<expired_stream> sweep_expired() override;
  /// `{prefix}expired:{id}`, left by the node that reported the expiry for the end retention.
  /// Cluster mode keeps no marker (nullopt).
  boost::asio::awaitable<result<std::optional<std::string>>> expired_epoch(
      std::string stream_id) override;
  /// Streams watched on this node; events and bytes as last seen by this node's operations.
  store_stats stats() const noexcept override;
  bool available() const noexcept override;

  /// Payload bytes before and after compression, over this node's appends (for /metrics).
  struct compression_stats {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_stored = 0;
  };
  compression_stats compression() const noexcept;

  /// Upgrades every v1.10-layout stream (`sse-gateway migrate`): SCAN in batches, safe to
  /// interrupt, to re-run and to run while nodes serve traffic.
  boost::asio::awaitable<result<redis_layout::migration_report>> migrate_all(
      std::size_t batch = 100);
  /// Upgrades one stream if it is in the v1.10 layout.
  boost::asio::awaitable<result<redis_layout::migrate_outcome>> migrate_stream(
      std::string stream_id);

  const redis_store_options& options() const noexcept { return options_; }
  /// Sentinel mode: where the sentinels last said the primary is. Any thread.
  std::optional<redis::cluster::node_address> sentinel_primary() const;

  /// The store's command link, for components that keep their own keys next to the streams'
  /// (redis_lease). Lives as long as the store.
  redis::command_link& commands() noexcept { return *links_.commands; }

  /// Pub/sub probes that did not come back (each reconnected a subscription), and that did.
  std::uint64_t probe_failures() const noexcept;
  std::uint64_t probes_ok() const noexcept;

 private:
  redis_layout::stream_keys keys(std::string_view stream_id) const {
    return redis_layout::make_keys(options_.prefix, stream_id);
  }
  redis_layout::migration_context migration() const;
  /// WAIT for options_.wait_replicas on the link that ran the script on `key`.
  boost::asio::awaitable<result<void>> wait_for_replicas(std::string_view key);
  /// eval() of one of the store's scripts, upgrading a stream still in the v1.10 layout (the
  /// script answers "legacy") and running the script again, a bounded number of times. Redis
  /// and script errors as errc.
  boost::asio::awaitable<result<redis::reply>> eval_upgrading(
      const redis::script& s, const std::string& stream_id, std::span<const std::string_view> keys,
      std::span<const std::string_view> args);
  void remember(const std::string& stream_id, std::int64_t events, std::int64_t bytes);
  void forget(const std::string& stream_id);

  const store_limits limits_;
  const redis_store_options options_;
  const core::clock& clock_;
  std::shared_ptr<listener_set> registry_;
  /// The topology's pair of links (and their availability), chosen once by redis::make_links.
  redis::links links_;
  std::shared_ptr<redis_layout::expired_log> expired_ =
      std::make_shared<redis_layout::expired_log>();
  std::shared_ptr<redis_layout::notify_state> notify_ =
      std::make_shared<redis_layout::notify_state>();
  /// Turns false at stop(), after which the expiry coroutine touches nothing of this store.
  std::shared_ptr<std::atomic<bool>> running_ = std::make_shared<std::atomic<bool>>(false);
  /// The expiry coroutines, on the pub/sub link's executor. Copies share the group: the resync
  /// handler holds one, as it may run after this store is gone.
  redis::task_group tasks_{links_.pubsub->get_executor()};

  std::function<void(const redis_layout::unreadable_element&)> unreadable_handler_;
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_stored_{0};
  mutable std::mutex stats_mu_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> known_;
};

}  // namespace sse::store
