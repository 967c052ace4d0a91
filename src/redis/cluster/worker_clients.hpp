#pragma once
// The command_link of a cluster in a gateway: one cluster_client per worker, as a single node
// has one connection per worker (redis::client). Each worker's client has its own connections to
// the masters and its own copy of the slot map, and a caller on a worker runs its commands there
// directly: no post to another thread and back per command, and the workers' commands go out on
// distinct sockets in parallel.
//
// Why a map per worker rather than one shared: each copy is a cache that corrects itself (MOVED
// updates it and triggers a rate-limited refresh, as before), so a worker never waits for, or
// locks against, another; a slot move costs at most one redirect per worker. The price is one
// CLUSTER SLOTS per worker at start and after a move, and workers x masters command
// connections instead of masters.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/cluster/cluster_client.hpp"
#include "redis/command_link.hpp"

namespace sse::redis::cluster {

class worker_clients final : public command_link {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// One client per executor (at least one), all from the same seeds. With a tracker, client i
  /// reports to slot first_slot + i. scripts must outlive the clients.
  worker_clients(const std::vector<executor_type>& workers, const std::vector<node_address>& seeds,
                 const connection_config& base, const std::vector<const script*>& scripts,
                 std::shared_ptr<availability> tracker = {}, std::size_t first_slot = 0,
                 cluster_options options = {});
  ~worker_clients() override;
  worker_clients(const worker_clients&) = delete;
  worker_clients& operator=(const worker_clients&) = delete;

  void start() override;
  void stop() override;
  boost::asio::awaitable<void> join() override;
  bool up() const noexcept override;

  /// On the caller's worker's client; from no worker, on one of them (round robin, one hop).
  boost::asio::awaitable<result<std::vector<reply>>> exec_on_key(
      std::string_view key, std::vector<command> commands) override;
  boost::asio::awaitable<result<reply>> eval(const script& s,
                                             std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args) override;
  boost::asio::awaitable<result<std::vector<std::string>>> node_keys() override;

  std::size_t size() const noexcept { return clients_.size(); }
  /// Worker i's client (the sharded subscriber of that worker uses its map).
  const std::shared_ptr<cluster_client>& at(std::size_t i) const { return clients_.at(i); }

 private:
  boost::asio::awaitable<cluster_client*> local();

  std::vector<std::shared_ptr<cluster_client>> clients_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace sse::redis::cluster
