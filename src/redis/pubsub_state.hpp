#pragma once
// The bookkeeping of a pub/sub subscriber, sans-io (replies and time in, commands and meanings
// out), shared by the single-node `subscriber` and the cluster's `sharded_subscriber`, so both
// follow one set of rules and the rules are tested with literal RESP and explicit times:
//
//   channel -> the link it is wanted on, confirmed by the server or not
//   link up again    -> resubscribe batch: every channel of the link (and its probe) in one trip
//   link down        -> everything on it unconfirmed; the answers it owed are forgotten
//   server push      -> a message, a probe token, the answer to our own SUNSUBSCRIBE, or
//                       (sharded) an unasked `sunsubscribe`: the channel's slot moved
//   probe            -> a probe channel per link; tokens sent with a deadline; verdicts once
//                       every token is back or overdue
//
// A link is one subscriber-mode connection, named by its owner: the single node has one link
// (named ""), the cluster one per master ("host:port"). The owner moves the bytes (connection),
// decides where a channel lives (slot map) and runs the timers; this class only remembers.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/reply.hpp"
#include "redis/request.hpp"

namespace sse::redis {

/// Plain pub/sub (SUBSCRIBE, `message`/`pmessage`) on one node; sharded pub/sub (SSUBSCRIBE,
/// `smessage`, `sunsubscribe`) on a cluster, where a channel lives on its slot's master.
enum class pubsub_kind { plain, sharded };

/// Names a subscriber-mode connection ("" for the single node's only link, "host:port" for a
/// cluster master's).
using link_name = std::string;

/// What a SUBSCRIBE/SSUBSCRIBE reply says about its channel.
enum class subscribe_answer {
  confirmed,  ///< [kind, channel, count]: the server delivers the channel on this link now
  refused,    ///< an error reply (sharded: MOVED, the slot is elsewhere)
  malformed,  ///< anything else: the stream is out of step
};

/// What one server push means to the owner.
struct push_meaning {
  enum class kind {
    message,          ///< hand channel and payload to the message handler
    probe_token,      ///< a probe token came back (recorded): wake the probe's wait
    own_unsubscribe,  ///< the answer to a SUNSUBSCRIBE we sent: nothing to do
    probe_moved,      ///< unasked `sunsubscribe` of the link's probe channel: probe forgotten
    moved,            ///< unasked `sunsubscribe`: the slot moved; look at the map now
    ignored,          ///< anything else (a kind of push this pub/sub does not use)
  };
  kind what = kind::ignored;
  std::string_view channel;  ///< message, moved, probe_moved, own_unsubscribe
  std::string_view payload;  ///< message
};

/// One probe token's fate, from settle_probes().
struct probe_verdict {
  link_name link;
  bool ok = false;  ///< came back in time (or its probe channel moved away meanwhile)
};

class pubsub_state {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct channel_entry {
    link_name link;
    bool confirmed = false;
  };

  /// The resubscribe batch of one link: the request and the channel each command names.
  struct batch {
    request req;
    std::vector<std::string> channels;
  };
  struct batch_outcome {
    bool refused = false;    ///< some channel was refused (sharded: MOVED; look at the map)
    bool malformed = false;  ///< some reply was not a subscribe answer: drop the link
  };

  /// probe_timeout: how long a probe token may take to come back.
  explicit pubsub_state(pubsub_kind kind, std::chrono::milliseconds probe_timeout = {});

  pubsub_kind kind() const noexcept { return kind_; }
  /// Before the first probe_published().
  void set_probe_timeout(std::chrono::milliseconds timeout) { probe_timeout_ = timeout; }

  // ---- commands ----
  /// SUBSCRIBE channel (SSUBSCRIBE when sharded).
  request subscribe_command(std::string_view channel) const;
  /// UNSUBSCRIBE channel (SUNSUBSCRIBE when sharded).
  request unsubscribe_command(std::string_view channel) const;
  /// True when the server answers the unsubscribe command with a push that looks like its own
  /// unasked one (sharded): the link sends it answered_by_push and unsubscribe_sent() counts it.
  bool unsubscribe_answered_by_push() const noexcept { return kind_ == pubsub_kind::sharded; }

  // ---- channels ----
  /// True when channel is confirmed on link already. Otherwise records that channel is wanted
  /// on link (moving it from any other link), unconfirmed, and returns false: send
  /// subscribe_command(channel) there and feed the answer to on_subscribe_reply().
  bool want(const std::string& channel, const link_name& link);
  /// Reads the reply to subscribe_command(channel) sent on link; confirmed marks the channel
  /// confirmed when it is still wanted there (the last listener may have left meanwhile).
  subscribe_answer on_subscribe_reply(const std::string& channel, const link_name& link,
                                      const reply& r);
  /// Forgets channel. The link it was wanted on (send unsubscribe_command there), or nullopt
  /// when it was not wanted.
  std::optional<link_name> forget(const std::string& channel);
  /// An unsubscribe of channel went out on link; sharded, its answer push is told apart from
  /// the server's unasked one by this count (plain: no effect, the answer is an ordinary reply).
  void unsubscribe_sent(const link_name& link, const std::string& channel);
  /// Marks channel unconfirmed (it is to be subscribed again, e.g. where its slot lives now).
  void unconfirm(const std::string& channel);

  bool wanted(const std::string& channel) const { return channels_.contains(channel); }
  bool confirmed(const std::string& channel) const;
  /// Every wanted channel (probe channels not included).
  const std::unordered_map<std::string, channel_entry>& channels() const noexcept {
    return channels_;
  }
  /// Links some wanted channel lives on.
  std::set<link_name> links_in_use() const;

  // ---- links ----
  /// The resubscribe batch of link: subscribe_command of every channel wanted there, then of
  /// the link's probe channel; empty when there is none.
  batch resubscribe(const link_name& link) const;
  /// Reads the batch's replies (one per command, in order) and confirms what they confirm; a
  /// refused probe channel is forgotten (its owner names another, see set_probe()).
  batch_outcome on_resubscribe_replies(const link_name& link, const batch& b,
                                       std::span<const reply> replies);
  /// The link came up. True when it had been up before: messages may have been missed, the
  /// owner resyncs.
  bool link_up(const link_name& link);
  /// True when the link was up at least once (a link still making its first connect is no
  /// outage).
  bool has_been_up(const link_name& link) const { return been_up_.contains(link); }
  /// The link went down: everything on it unconfirmed, its unanswered unsubscribes forgotten
  /// (their answers died with it).
  void link_down(const link_name& link);
  /// The link is closed for good (its node owns none of our channels any more).
  void forget_link(const link_name& link);

  // ---- pushes ----
  /// What push (a `message`, `pmessage`, `smessage` or `sunsubscribe` array from link) means.
  /// Records what it tells: a probe token's arrival, an answered unsubscribe, a slot move
  /// (channel unconfirmed; a moved probe channel forgotten). The views point into push.
  push_meaning classify(const link_name& link, const reply& push);

  // ---- probe ----
  /// Gives link its probe channel (unique to this subscriber, messages on it are not handed
  /// on). Same channel as before: kept as it is; another: starts unconfirmed.
  void set_probe(const link_name& link, std::string channel);
  /// The link's probe channel, or nullptr.
  const std::string* probe_channel(const link_name& link) const;
  bool probe_confirmed(const link_name& link) const;
  void forget_probe(const link_name& link) { probes_.erase(link); }
  /// Reads the reply to subscribe_command of link's probe channel `channel`. Refused: the probe
  /// is forgotten (sharded: its slot moved; the owner names another before the next round).
  subscribe_answer on_probe_subscribe_reply(const link_name& link, const std::string& channel,
                                            const reply& r);
  /// A new token (increasing, shared by every link).
  std::uint64_t next_probe_token() noexcept { return ++last_token_; }
  /// token was published for link at now: it is due back by now + probe_timeout.
  void probe_published(const link_name& link, std::uint64_t token, time_point now);
  /// Verdicts once every published token is back or past its deadline at now (and forgets
  /// them; a failed link's probe is unconfirmed), else nullopt: wait until
  /// next_probe_deadline(now) or until a token comes back. Empty when nothing was published.
  std::optional<std::vector<probe_verdict>> settle_probes(time_point now);
  /// True when every published token came back (settle_probes() has its verdicts at once).
  bool probes_back() const;
  /// The earliest deadline of a token neither back nor overdue at now (now when none).
  time_point next_probe_deadline(time_point now) const;

 private:
  struct probe_entry {
    std::string channel;
    bool confirmed = false;
    std::uint64_t received = 0;  ///< highest token that came back
  };
  struct published_token {
    link_name link;
    std::uint64_t token = 0;
    time_point deadline;
  };
  subscribe_answer answer_of(const std::string& channel, const reply& r) const;
  bool came_back(const published_token& p) const;
  bool is_probe(const link_name& link, std::string_view channel) const;
  push_meaning on_sunsubscribe(const link_name& link, std::string_view channel);

  pubsub_kind kind_;
  std::chrono::milliseconds probe_timeout_;
  std::unordered_map<std::string, channel_entry> channels_;
  std::set<link_name> been_up_;
  /// Unsubscribes sent on each link and not answered yet, per channel (sharded).
  std::map<link_name, std::unordered_map<std::string, int>> own_unsubscribes_;
  std::map<link_name, probe_entry> probes_;
  std::vector<published_token> published_;
  std::uint64_t last_token_ = 0;
};

}  // namespace sse::redis
