#pragma once
// What a node does with a Redis expiry notification that it receives like every other node:
// one node reports it (the one whose SET NX of a short claim key wins), and that node leaves a
// marker of the expired incarnation's epoch for the end retention, so a later resume into the
// stream can be told "expired" rather than "unknown". Also: switching the notifications on,
// again after every reconnect (a restarted Redis forgets a CONFIG SET).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "redis/client.hpp"
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
boost::asio::awaitable<void> claim_expiry(std::weak_ptr<redis::client> c, expiry_keys keys,
                                          expired_stream expired,
                                          std::chrono::milliseconds retention,
                                          std::function<void(expired_stream)> report);

/// The outcome of CONFIG SET notify-keyspace-events Ex.
enum class notify_outcome { set, refused, unreachable };

/// Sends CONFIG SET notify-keyspace-events Ex on `c`: set, refused (an error reply: a managed
/// Redis without CONFIG, or an ACL), or unreachable (no answer).
boost::asio::awaitable<notify_outcome> enable_expiry_notifications(redis::client& c);

/// The epoch in the marker of stream (nullopt: none). Errors: store_unavailable.
boost::asio::awaitable<result<std::optional<std::string>>> read_expiry_marker(redis::client& c,
                                                                              std::string marker);

}  // namespace sse::store::redis_layout
