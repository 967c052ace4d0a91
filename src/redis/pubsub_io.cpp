#include "redis/pubsub_io.hpp"

#include <chrono>

namespace sse::redis {

namespace net = boost::asio;

net::awaitable<result<pubsub_state::batch_outcome>> resubscribe_link(pubsub_state& state,
                                                                     connection& conn,
                                                                     const link_name& link) {
  pubsub_state::batch b = state.resubscribe(link);
  if (b.req.empty()) {
    co_return pubsub_state::batch_outcome{};
  }
  request r = b.req;
  auto replies = co_await conn.exec_unchecked(std::move(r), conn.config().connect_timeout);
  if (!replies) {
    co_return replies.error();
  }
  const auto outcome = state.on_resubscribe_replies(link, b, *replies);
  if (outcome.malformed) {
    co_return errc::internal;
  }
  co_return outcome;
}

net::awaitable<result<subscribe_answer>> subscribe_on(pubsub_state& state, connection& conn,
                                                      const link_name& link, std::string channel) {
  // Unconfirmed: sent even if another caller already did. Redis answers each in order, so our
  // confirmation also means the channel is live.
  auto replies = co_await conn.exec(state.subscribe_command(channel));
  if (!replies) {
    co_return replies.error();
  }
  co_return state.on_subscribe_reply(channel, link, replies->front());
}

void send_unsubscribe(pubsub_state& state, connection& conn, const link_name& link,
                      const std::string& channel) {
  request r = state.unsubscribe_command(channel);
  if (!state.unsubscribe_answered_by_push()) {
    conn.send_detached(std::move(r));
    return;
  }
  if (conn.send_answered_by_push(std::move(r))) {
    state.unsubscribe_sent(link, channel);
  }
}

net::awaitable<bool> subscribe_probe(pubsub_state& state, connection& conn, const link_name& link) {
  if (state.probe_confirmed(link)) {
    co_return true;
  }
  const std::string* probe = state.probe_channel(link);
  if (probe == nullptr) {
    co_return false;
  }
  const std::string channel = *probe;
  auto replies = co_await conn.exec(state.subscribe_command(channel));
  if (!replies) {
    co_return false;
  }
  // Confirmed only if the link still uses this channel (a slot move may have replaced it).
  (void)state.on_probe_subscribe_reply(link, channel, replies->front());
  co_return state.probe_confirmed(link) && *state.probe_channel(link) == channel;
}

net::awaitable<std::vector<link_name>> finish_probe_round(pubsub_state& state, wake_signal& wake,
                                                          const std::atomic<bool>& stopped,
                                                          probe_counts& counts) {
  for (;;) {
    if (stopped.load()) {
      co_return std::vector<link_name>{};
    }
    const auto now = wake.now();  // the signal's clock: its deadlines are read on it
    if (auto verdicts = state.settle_probes(now)) {
      std::vector<link_name> failed;
      for (auto& v : *verdicts) {
        if (v.ok) {
          counts.ok.fetch_add(1);
        } else {
          counts.failures.fetch_add(1);
          failed.push_back(std::move(v.link));
        }
      }
      co_return failed;
    }
    // Woken early by a token coming back (or stop); else at the next deadline.
    (void)co_await wake.wait(state.next_probe_deadline(now),
                             [&] { return stopped.load() || state.probes_back(); });
  }
}

}  // namespace sse::redis
