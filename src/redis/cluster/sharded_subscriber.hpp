#pragma once
// Live fan-out on Redis Cluster with sharded pub/sub (Redis 7): each channel is SSUBSCRIBEd on
// the master of its own slot, so an SPUBLISH travels only inside that shard. One subscriber-mode
// connection per master. Subscriptions follow the slot map: when a slot moves (the server pushes
// `sunsubscribe`, or a periodic map check sees a new owner, or a node's link comes back) the
// channel is subscribed where it lives now and the owner is told to resync (messages may have
// been missed, exactly as after a blip on a single node).
//
// When the last local listener leaves, SUNSUBSCRIBE is sent. Its reply looks exactly like the
// server's unasked push, so each link counts the SUNSUBSCRIBEs it sent per channel: a
// `sunsubscribe` matching one of them is our answer, any other one means the slot moved.
//
// With a probe (enable_probe), every link also listens to a probe channel whose hash tag maps to
// a slot of its own master; SPUBLISHed tokens that do not come back within the timeout drop the
// link (down, reconnect, resubscribe, resync).
//
// The pubsub_link of a cluster (its publish command: SPUBLISH).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/cluster/cluster_client.hpp"
#include "redis/config.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub_link.hpp"

namespace sse::redis::cluster {

class sharded_subscriber final : public pubsub_link,
                                 public std::enable_shared_from_this<sharded_subscriber> {
 public:
  /// Runs on cluster->get_executor(). With a tracker, reports the links' state to its slot
  /// (up when every link is up).
  sharded_subscriber(std::shared_ptr<cluster_client> cluster, connection_config base,
                     std::chrono::milliseconds map_check_interval = std::chrono::seconds(1),
                     std::shared_ptr<availability> tracker = {}, std::size_t slot = 0);
  sharded_subscriber(const sharded_subscriber&) = delete;
  sharded_subscriber& operator=(const sharded_subscriber&) = delete;

  /// Set before start(). Called on the executor for every message.
  void set_message_handler(message_handler h) override { on_message_ = std::move(h); }
  /// Set before start(). Called on the executor after channels were moved or a link came back.
  void set_resync_handler(std::function<void()> h) override { on_resync_ = std::move(h); }

  /// Set before start(): probe every link (see above) on channels `{<tag>}<name>`. name must be
  /// unique to this subscriber (messages on other subscribers' probe channels never reach it).
  void enable_probe(probe_config cfg, std::string name);

  /// Starts the periodic map check (and the probe). Call once.
  void start() override;
  /// Stops every link and the check; the object may be released right after. Any thread.
  void stop() override;

  /// SSUBSCRIBEs channel on its slot's master; completes when confirmed. Any executor.
  /// errc::store_unavailable when the node cannot be reached (bounded retries).
  boost::asio::awaitable<result<void>> subscribe(std::string channel) override;
  /// Forgets channel unless still_wanted() says otherwise (see above). Any thread.
  void unsubscribe(std::string channel, std::function<bool()> still_wanted) override;

  /// True when every link in use is up. Any thread.
  bool up() const noexcept override { return up_.load(); }
  /// The cluster client's executor. Any thread.
  executor_type get_executor() const override { return cluster_->get_executor(); }
  std::string_view publish_command() const noexcept override { return "SPUBLISH"; }
  /// Times channels moved to another node (for tests). Any thread.
  std::uint64_t moves() const noexcept { return moves_.load(); }
  /// Probes that did not come back in time (each dropped its link). Any thread.
  std::uint64_t probe_failures() const noexcept override { return probe_failures_.load(); }
  /// Probes that came back. Any thread.
  std::uint64_t probes_ok() const noexcept override { return probes_ok_.load(); }

 private:
  struct channel_state {
    node_address node;
    bool confirmed = false;
  };
  boost::asio::awaitable<result<void>> subscribe_here(std::string channel);
  boost::asio::awaitable<void> check_loop();
  boost::asio::awaitable<void> check_map();
  std::shared_ptr<connection> link_for(const node_address& node);
  boost::asio::awaitable<boost::system::error_code> resubscribe_node(connection& c,
                                                                     node_address node);
  /// A link's probe channel: its tag's slot is owned by the link's master.
  struct probe_state {
    std::string channel;
    std::uint16_t slot = 0;
    bool confirmed = false;
    std::uint64_t sent = 0;      ///< last token published
    std::uint64_t received = 0;  ///< last token that came back
  };
  void on_push(const node_address& node, reply&& r);
  void update_up();
  boost::asio::awaitable<void> probe_loop();
  boost::asio::awaitable<void> probe_round();
  /// The probe channel for node under the current map (picks a new tag when the slot moved).
  probe_state* probe_for(const node_address& node);

  std::shared_ptr<cluster_client> cluster_;
  connection_config base_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<availability> tracker_;
  std::size_t slot_;
  boost::asio::steady_timer timer_;
  std::map<node_address, std::shared_ptr<connection>> links_;
  std::map<node_address, bool> connected_once_;
  std::unordered_map<std::string, channel_state> channels_;
  /// SUNSUBSCRIBEs sent on each link and not answered yet, per channel.
  std::map<node_address, std::unordered_map<std::string, int>> own_sunsubscribes_;
  probe_config probe_;
  std::string probe_name_;
  std::map<node_address, probe_state> probes_;
  std::uint64_t probe_token_ = 0;
  std::atomic<std::uint64_t> probe_failures_{0};
  std::atomic<std::uint64_t> probes_ok_{0};
  message_handler on_message_;
  std::function<void()> on_resync_;
  bool check_soon_ = false;
  std::atomic<bool> up_{true};
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> moves_{0};
};

}  // namespace sse::redis::cluster
