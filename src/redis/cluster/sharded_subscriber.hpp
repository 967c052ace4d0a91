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
// The pubsub_link of a cluster (its publish command: SPUBLISH). The bookkeeping (channel -> link,
// confirmed or not, the SUNSUBSCRIBE count, push meanings, probe tokens and deadlines) is
// pubsub_state's, shared with the single-node subscriber; this class adds the slot map: which
// link a channel belongs on, following moves.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/cluster/cluster_client.hpp"
#include "redis/config.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub_io.hpp"
#include "redis/pubsub_link.hpp"
#include "redis/pubsub_state.hpp"
#include "redis/task_group.hpp"
#include "redis/wake_signal.hpp"

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
  /// Completes once every coroutine this subscriber spawned (the links' run(), the map check,
  /// the probe) has returned; after stop(): soon, no timer is left to run out. Any executor.
  boost::asio::awaitable<void> join() override { return tasks_.join(); }

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
  std::uint64_t probe_failures() const noexcept override { return probes_.failures.load(); }
  /// Probes that came back. Any thread.
  std::uint64_t probes_ok() const noexcept override { return probes_.ok.load(); }

 private:
  /// A master's subscriber-mode connection; pubsub_state names it node.to_string().
  struct link {
    node_address node;
    std::shared_ptr<connection> conn;
  };
  boost::asio::awaitable<result<void>> subscribe_here(std::string channel);
  boost::asio::awaitable<void> check_loop();
  boost::asio::awaitable<void> check_map();
  std::shared_ptr<connection> link_for(const node_address& node);
  boost::asio::awaitable<boost::system::error_code> resubscribe_node(connection& c, link_name name);
  void on_push(const link_name& name, reply&& r);
  void update_up();
  boost::asio::awaitable<void> probe_loop();
  boost::asio::awaitable<void> probe_round();
  /// The probe channel of the link to node under the current map (a new tag when the slot
  /// moved), or nullptr.
  const std::string* probe_for(const link_name& name, const node_address& node);

  std::shared_ptr<cluster_client> cluster_;
  connection_config base_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<availability> tracker_;
  std::size_t slot_;
  pubsub_state state_;  ///< on the executor
  /// A link changed state, a probe token came back, a slot moved, or stop(): every wait here
  /// (map check, link up, probe) checks its condition again. Reads time on base.clock.
  wake_signal wake_;
  task_group tasks_;  ///< the links' run(), the map check, the probe
  std::map<link_name, link> links_;
  probe_config probe_;
  std::string probe_name_;
  probe_counts probes_;
  message_handler on_message_;
  std::function<void()> on_resync_;
  bool check_soon_ = false;
  std::atomic<bool> up_{true};
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> moves_{0};
};

}  // namespace sse::redis::cluster
