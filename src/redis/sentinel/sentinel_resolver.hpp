#pragma once
// Finds the current primary of a Sentinel-managed Redis: `SENTINEL get-master-addr-by-name` asked
// of each sentinel in turn (the one that answered last first), on a short-lived connection of its
// own. Every command and subscriber connection asks it before each connect (see
// connection::set_address_provider) and checks ROLE after (connection_config::require_master),
// so a failover is followed by the ordinary reconnect path: reload scripts, resubscribe, resync.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/connection.hpp"

namespace sse::redis::sentinel {

class sentinel_resolver {
 public:
  /// timeout bounds each sentinel's connect and answer.
  sentinel_resolver(std::vector<cluster::node_address> sentinels, std::string master_name,
                    std::chrono::milliseconds timeout);

  /// The primary's address as the first sentinel that answers sees it. errc::store_unavailable
  /// when none knows it. Runs on the caller's executor; any thread.
  boost::asio::awaitable<result<cluster::node_address>> current_primary();

  /// An address provider for connection::set_address_provider. The resolver must outlive the
  /// connections (hold it by shared_ptr: the provider keeps a reference).
  static connection::address_provider provider(std::shared_ptr<sentinel_resolver> self);

  /// The last address a sentinel gave; nullopt before the first. Any thread.
  std::optional<cluster::node_address> last_known() const;
  /// Questions asked of sentinels so far (each connect asks once). Any thread.
  std::uint64_t queries() const noexcept { return queries_.load(); }

 private:
  boost::asio::awaitable<result<cluster::node_address>> ask(cluster::node_address sentinel);

  const std::vector<cluster::node_address> sentinels_;
  const std::string master_name_;
  const std::chrono::milliseconds timeout_;
  std::atomic<std::size_t> preferred_{0};
  std::atomic<std::uint64_t> queries_{0};
  mutable std::mutex mu_;
  std::optional<cluster::node_address> last_;
};

}  // namespace sse::redis::sentinel
