#pragma once
// The pubsub_link of a cluster in a gateway: one sharded_subscriber per worker, each on its
// worker's cluster_client (its executor and its slot map), and every channel given to exactly one
// of them by its slot (slot mod workers).
//
// Why split by slot, not one subscriber per stream's worker nor every channel on every worker: a
// stream's listeners sit on any worker (connections are accepted wherever), so no worker owns a
// stream; subscribing a channel on every worker would make each master send every message once
// per worker. Split by slot, a channel still has one subscription per gateway (one message per
// publish, as before), it is always handled by the same subscriber (so a subscribe racing the
// last unsubscribe is settled on one executor, as before), and the receiving, decoding and
// fan-out of live batches spreads over the workers instead of all landing on the first one. The
// handlers are thread-safe (the listener set), so they may run on any worker. The price is
// workers x masters subscriber connections instead of masters.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis/availability.hpp"
#include "redis/cluster/sharded_subscriber.hpp"
#include "redis/cluster/worker_clients.hpp"
#include "redis/pubsub_link.hpp"

namespace sse::redis::cluster {

class worker_subscribers final : public pubsub_link {
 public:
  /// Subscriber i runs on clients.at(i)'s executor and reports to tracker slot first_slot + i.
  worker_subscribers(const worker_clients& clients, const connection_config& base,
                     std::chrono::milliseconds map_check_interval,
                     std::shared_ptr<availability> tracker, std::size_t first_slot);
  worker_subscribers(const worker_subscribers&) = delete;
  worker_subscribers& operator=(const worker_subscribers&) = delete;

  /// Called on the executor of the subscriber that holds the channel (any worker).
  void set_message_handler(message_handler handler) override;
  /// Called on the executor of the subscriber whose links came back or whose channels moved.
  void set_resync_handler(std::function<void()> handler) override;
  /// Each subscriber probes its own links, on `<name>/<i>` (unique per subscriber).
  void enable_probe(probe_config cfg, const std::string& name);

  void start() override;
  void stop() override;
  boost::asio::awaitable<void> join() override;

  boost::asio::awaitable<result<void>> subscribe(std::string channel) override;
  void unsubscribe(std::string channel, std::function<bool()> still_wanted) override;

  bool up() const noexcept override;
  /// The first worker's (where no channel's handler is bound to run).
  executor_type get_executor() const override { return subscribers_.front()->get_executor(); }
  std::uint64_t probe_failures() const noexcept override;
  std::uint64_t probes_ok() const noexcept override;
  std::string_view publish_command() const noexcept override { return "SPUBLISH"; }

  std::size_t size() const noexcept { return subscribers_.size(); }
  /// The subscriber that holds channel.
  sharded_subscriber& owner_of(std::string_view channel) const;

 private:
  std::vector<std::shared_ptr<sharded_subscriber>> subscribers_;
};

}  // namespace sse::redis::cluster
