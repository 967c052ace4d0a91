#pragma once
// The few coroutines that move a pubsub_state's commands over a subscriber-mode connection and
// wait on its probe, shared by the single-node `subscriber` and the cluster's
// `sharded_subscriber` (what differs between them, one link or a link per master that follows
// the slot map, stays in those two).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub_state.hpp"
#include "redis/wake_signal.hpp"

namespace sse::redis {

/// The connect-hook half of a subscriber link: subscribes everything state wants on link again
/// in one round trip (exec_unchecked: the handshake is still running). The connection's error
/// when the trip failed, errc::internal when a reply was no subscribe answer (the stream is out
/// of step: drop the link); else which channels were refused (outcome.refused).
boost::asio::awaitable<result<pubsub_state::batch_outcome>> resubscribe_link(pubsub_state& state,
                                                                             connection& conn,
                                                                             const link_name& link);

/// Subscribes channel on conn (state.want() said it is not confirmed there) and feeds the reply
/// to state. Errors as connection::exec.
boost::asio::awaitable<result<subscribe_answer>> subscribe_on(pubsub_state& state, connection& conn,
                                                              const link_name& link,
                                                              std::string channel);

/// Sends the unsubscribe of channel on conn, nothing waiting for its answer (a plain link reads
/// and drops the reply; a sharded one counts it in state to tell it from the server's unasked
/// push). Queued at once, so a subscribe queued after it goes out after it. A link that is
/// down has forgotten the channel already. On conn's executor.
void send_unsubscribe(pubsub_state& state, connection& conn, const link_name& link,
                      const std::string& channel);

/// The probe's counters, read from any thread.
struct probe_counts {
  std::atomic<std::uint64_t> ok{0};        ///< tokens that came back in time
  std::atomic<std::uint64_t> failures{0};  ///< tokens that did not (each drops its link)
};

/// Makes sure link's probe channel is subscribed on conn (true when it is confirmed).
boost::asio::awaitable<bool> subscribe_probe(pubsub_state& state, connection& conn,
                                             const link_name& link);

/// Waits until every probe token published this round is back or overdue (wake is notified
/// when a token arrives, and at stop), counts the verdicts and returns the links whose token
/// did not come back: their subscriptions are gone, drop them (reconnect, resubscribe,
/// resync). Nothing when stopped first.
boost::asio::awaitable<std::vector<link_name>> finish_probe_round(pubsub_state& state,
                                                                  wake_signal& wake,
                                                                  const std::atomic<bool>& stopped,
                                                                  probe_counts& counts);

}  // namespace sse::redis
