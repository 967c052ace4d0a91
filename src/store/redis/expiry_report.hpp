#pragma once
// What a node does with a Redis expiry notification that it receives like every other node:
// one node reports it (the one whose SET NX of a short claim key wins), and that node leaves a
// marker of the expired incarnation's epoch for the end retention, so a later resume into the
// stream can be told "expired" rather than "unknown". Also: switching the notifications on,
// again after every reconnect (a restarted Redis forgets a CONFIG SET), and the subscription's
// handler that tells expiry notifications from live batches.
//
// Only topologies whose links name an expiry channel (redis/links.hpp: a single node, Sentinel)
// get notifications; a cluster's nodes announce only their own keys.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/command_link.hpp"
#include "redis/pubsub_link.hpp"
#include "redis/task_group.hpp"
#include "store/listener_set.hpp"
#include "store/store.hpp"

namespace sse::store::redis_layout {

/// Keys of one stream's expiry, in the stream's slot (`{id}` hash tag) like its other keys.
struct expiry_keys {
  std::string marker;  ///< {prefix}expired:{id}        string: the epoch that expired
  std::string claim;   ///< {prefix}expired-claim:{id}  "1", for claim_ttl: who reports it
};

expiry_keys make_expiry_keys(std::string_view prefix, std::string_view stream_id);

/// Every node gets the notification within milliseconds; the claim only has to outlive that
/// spread (a node that hears it later than this reports it again), and it stays short so that
/// an ended stream's keys are all gone soon after its end retention.
inline constexpr std::chrono::milliseconds expiry_claim_ttl{1500};
/// A node that does not know the expired epoch tries to claim this much later, so that a node
/// that served the stream (and knows its epoch) normally reports it.
inline constexpr std::chrono::milliseconds unknown_epoch_delay{200};

/// Claims the report of `expired` on `c`: when this node wins (or the claim cannot be made at
/// all: reporting twice beats never), sets the marker to its epoch for `retention` (idle
/// expiry only: an ended stream had its end tombstone for that long) and calls
/// report(expired). Runs on any executor; touches nothing once `c` is gone.
boost::asio::awaitable<void> claim_expiry(std::weak_ptr<redis::command_link> c, expiry_keys keys,
                                          expired_stream expired,
                                          std::chrono::milliseconds retention,
                                          std::function<void(expired_stream)> report);

/// The outcome of CONFIG SET notify-keyspace-events Ex.
enum class notify_outcome { set, refused, unreachable };

/// Sends CONFIG SET notify-keyspace-events Ex on `c`: set, refused (an error reply: a managed
/// Redis without CONFIG, or an ACL), or unreachable (no answer).
boost::asio::awaitable<notify_outcome> enable_expiry_notifications(redis::command_link& c);

/// The epoch in the marker of stream (nullopt: none). Errors: store_unavailable.
boost::asio::awaitable<result<std::optional<std::string>>> read_expiry_marker(
    redis::command_link& c, std::string marker);

/// Streams Redis expired, filled by the subscription's handler (which may outlive the store,
/// hence shared), drained by the store's sweep_expired().
struct expired_log {
  std::mutex mutex;
  std::vector<expired_stream> streams;
  /// Epochs of streams this node touched, so an expiry (whose key is gone) can name its epoch;
  /// bounded (remember()), an unknown one is reported empty.
  std::unordered_map<std::string, std::string> epochs;

  void remember(const std::string& stream_id, const std::string& epoch);
};

/// The subscription's handler when `expiry_channel` carries keyspace notifications of expired
/// keys: a stream whose state hash (idle TTL) or end tombstone (end retention) expired is gone;
/// its live listeners are finished, one node claims the report (claim_expiry on `commands`,
/// spawned into `tasks`, the store's group, so the store's join() waits for it) and log
/// collects it. Any other channel's messages go to `live`. Holds only shared state: it may run
/// after the store is gone.
struct expiry_handler_context {
  std::string expiry_channel;
  std::string prefix;
  std::chrono::milliseconds retention;  ///< the end retention
  std::shared_ptr<listener_set> registry;
  std::shared_ptr<expired_log> log;
  std::weak_ptr<redis::command_link> commands;
  redis::task_group tasks;  ///< a copy of the store's group (the claims run on its executor)
};
redis::pubsub_link::message_handler with_expiry_events(redis::pubsub_link::message_handler live,
                                                       expiry_handler_context ctx);

/// The warning hook and its once-flag, shared with coroutines that may outlive the store.
struct notify_state {
  std::atomic<bool> warned{false};
  std::function<void(const std::string&)> warn;
};

/// CONFIG SET notify-keyspace-events Ex, retried (bounded) while Redis is unreachable; a refusal
/// (managed Redis without CONFIG) is warned about once. Touches nothing once `c` is gone, and
/// stops retrying once `running` turns false (the store's stop(): its join() waits for this).
boost::asio::awaitable<void> arm_notifications(std::weak_ptr<redis::command_link> c,
                                               std::shared_ptr<notify_state> notify,
                                               std::shared_ptr<std::atomic<bool>> running);

/// arm_notifications, then subscribes to `channel` (bounded retries: the links may still be
/// connecting). Stops touching anything once `running` turns false.
boost::asio::awaitable<void> enable_expiry_events(std::weak_ptr<redis::command_link> c,
                                                  std::shared_ptr<redis::pubsub_link> pubsub,
                                                  std::string channel,
                                                  std::shared_ptr<notify_state> notify,
                                                  std::shared_ptr<std::atomic<bool>> running);

}  // namespace sse::store::redis_layout
