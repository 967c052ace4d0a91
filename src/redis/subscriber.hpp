#pragma once
// The subscription side of the Redis client: one connection in pub/sub mode (SUBSCRIBE never
// shares a command connection: a subscribed RESP2 connection can send nothing else). It remembers
// its channels, subscribes them again on every reconnect before reporting up, and then tells its
// owner to resync (messages may have been missed while the link was down). The pubsub_link of a
// single node or a Sentinel-managed primary. The bookkeeping is pubsub_state's (shared with the
// cluster's sharded_subscriber); this class moves it over its one link, named "".

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/config.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub_io.hpp"
#include "redis/pubsub_link.hpp"
#include "redis/pubsub_state.hpp"
#include "redis/task_group.hpp"
#include "redis/wake_signal.hpp"

namespace sse::redis {

/// Owned by shared_ptr: start() keeps it alive until its connection's run() returns.
class subscriber final : public pubsub_link, public std::enable_shared_from_this<subscriber> {
 public:
  subscriber(executor_type ex, connection_config cfg, std::shared_ptr<availability> tracker = {},
             std::size_t slot = 0);
  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  /// Set before start(). Called on get_executor() for every message.
  void set_message_handler(message_handler handler) override { on_message_ = std::move(handler); }
  /// Set before start(). Called on get_executor() after a reconnect, once every channel is
  /// subscribed again.
  void set_resync_handler(std::function<void()> handler) override {
    on_resync_ = std::move(handler);
  }

  /// Publishes payload on channel through a command connection (never this one: a subscribed
  /// RESP2 connection cannot PUBLISH). Any executor.
  using publisher =
      std::function<boost::asio::awaitable<result<void>>(std::string channel, std::string payload)>;
  /// Set before start(): the pub/sub liveness probe (probe_config). channel must be unique to
  /// this subscriber; it is subscribed like any other and its messages are not handed on.
  void enable_probe(probe_config cfg, std::string channel, publisher publish);

  /// Spawns the connection (and the probe). Call once.
  void start() override;
  /// Asks the connection (and the probe) to stop; the object may be released right after. Any
  /// thread.
  void stop() override;
  /// Completes once every coroutine start() spawned has returned (after stop(): soon, no timer
  /// is left to run out). Any executor.
  boost::asio::awaitable<void> join() override { return tasks_.join(); }

  /// Subscribes to channel and completes when Redis confirmed it (at once when it already is).
  /// Errors: errc::store_unavailable. Any executor.
  boost::asio::awaitable<result<void>> subscribe(std::string channel) override;

  /// Unsubscribes from channel unless still_wanted() returns true when this reaches the
  /// subscriber's executor (a new subscribe may have raced the last unsubscribe). Any thread.
  void unsubscribe(std::string channel, std::function<bool()> still_wanted) override;

  bool up() const noexcept override { return conn_->up(); }
  executor_type get_executor() const override { return conn_->get_executor(); }
  std::string_view publish_command() const noexcept override { return "PUBLISH"; }
  connection& link() noexcept { return *conn_; }

  /// Channels subscribed or being subscribed, the probe's not counted. Subscriber's executor.
  std::size_t channel_count() const noexcept { return state_.channels().size(); }
  /// Probes that did not come back in time (each dropped the link), and that did. Any thread.
  std::uint64_t probe_failures() const noexcept override { return probes_.failures.load(); }
  std::uint64_t probes_ok() const noexcept override { return probes_.ok.load(); }

 private:
  boost::asio::awaitable<result<void>> subscribe_here(std::string channel);
  boost::asio::awaitable<boost::system::error_code> resubscribe_all(connection& conn);
  void on_push(reply&& r);
  boost::asio::awaitable<void> probe_loop();
  boost::asio::awaitable<void> probe_round();

  std::shared_ptr<connection> conn_;
  pubsub_state state_;  ///< on get_executor()
  wake_signal wake_;    ///< a probe token came back, or stop()
  task_group tasks_;    ///< the link's run() and the probe loop
  message_handler on_message_;
  std::function<void()> on_resync_;
  probe_config probe_;
  std::string probe_channel_;
  publisher publish_;
  probe_counts probes_;
  std::atomic<bool> stopped_{false};
};

}  // namespace sse::redis
