#pragma once
// A subscriber that is cut on purpose and resumes (scenario 1), in its own thread:
//  - reset: after its k-th event it closes the socket abruptly (RST) and reconnects with the
//    last id it saw (Last-Event-ID header, or the last_event_id query parameter now and then);
//  - half_open: it stops reading (small receive window) until the gateway's bounded queue
//    drops it (it watches the collector for that stream's SseSlowClientDropped), then reads what
//    the kernel still holds and resumes;
//  - a connection the server ends without the end event (node killed, outage) is resumed too.
// Everything it receives, and every reconnect, is recorded for the checks.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chaos_node.hpp"
#include "core/types.hpp"
#include "sse_client.hpp"
#include "telemetry_collector.hpp"

namespace sse::test {

class chaos_subscriber;

/// Shared by one stream's producer and subscribers: the pacing of the producer (never more than
/// `window` events ahead of the slowest reading subscriber, so that only a client that stops
/// reading can fill its queue) and the stall token (one non-reading client per stream at a time,
/// so that each SseSlowClientDropped is attributable).
class stream_board {
 public:
  explicit stream_board(std::string id) : id_(std::move(id)) {}
  const std::string& id() const noexcept { return id_; }

  void add(const chaos_subscriber* s);
  /// Lowest seq received by a subscriber that counts for pacing; nullopt when none does.
  std::optional<seq_t> slowest_reader() const;
  /// Waits (bounded) until every paced subscriber has received at least `seq - window`.
  bool wait_for_readers(seq_t seq, seq_t window, std::chrono::milliseconds timeout) const;

  /// True while a subscriber still has a planned cut ahead: the producer must not end the
  /// stream before (a cut after the end was written would make the end's telemetry depend on
  /// timing).
  bool cuts_pending() const;

  bool try_take_stall() { return !stall_.exchange(true); }
  void release_stall() { stall_.store(false); }
  bool stall_active() const noexcept { return stall_.load(); }

 private:
  std::string id_;
  mutable std::mutex mu_;
  std::vector<const chaos_subscriber*> subs_;  // guarded by mu_
  std::atomic<bool> stall_{false};
};

enum class cut_kind { reset, half_open };
enum class reconnect_cause { reset, slow_drop, server_closed, connect_failed, stalled_read };

std::string_view to_string(cut_kind k) noexcept;
std::string_view to_string(reconnect_cause c) noexcept;

struct cut_plan {
  std::uint64_t after_events = 1;  ///< cut after this many events received in total
  cut_kind kind = cut_kind::reset;
  std::chrono::milliseconds pause{0};  ///< before reconnecting
  bool via_query = false;              ///< resume with ?last_event_id= instead of the header
};

struct reconnect_record {
  std::string last_event_id;
  std::string node;  ///< where the reconnect went
  reconnect_cause cause = reconnect_cause::reset;
  bool via_query = false;
  int status = 0;          ///< the answer's status (200, 204...; 0: no answer)
  std::size_t events = 0;  ///< events read on this connection
  std::string ended;       ///< how it ended: end, reset, dropped, closed, stalled
};

struct subscriber_options {
  std::string name;  ///< for messages, e.g. "s2/sub3"
  stream_board* board = nullptr;
  node_picker pick;                         ///< where each connection goes
  std::vector<cut_plan> cuts;               ///< by ascending after_events
  const telemetry_collector* tc = nullptr;  ///< needed for half_open cuts
  std::chrono::steady_clock::time_point deadline;
  /// No event for this long on an open connection: give up on it and resume (a problem).
  std::chrono::milliseconds event_timeout{20'000};
  /// How long a half-open client waits for its drop.
  std::chrono::milliseconds drop_timeout{30'000};
  int max_connections = 60;
  int stall_receive_buffer = 4096;  ///< SO_RCVBUF of a connection that will stop reading
  /// Failed connects in a row are retried after this pause (outages, a killed node).
  std::chrono::milliseconds connect_retry{200};
};

/// Thread safety: start/join from the owner; received_seq()/paced() from any thread; the
/// results after join().
class chaos_subscriber {
 public:
  explicit chaos_subscriber(subscriber_options o);
  ~chaos_subscriber();
  chaos_subscriber(const chaos_subscriber&) = delete;
  chaos_subscriber& operator=(const chaos_subscriber&) = delete;

  void start();
  void join();

  const std::string& name() const noexcept { return o_.name; }
  const std::string& stream() const noexcept { return o_.board->id(); }
  seq_t received_seq() const noexcept { return received_seq_.load(); }
  /// Counts for the producer's pacing: started, reading (not stalled) and not finished.
  bool paced() const noexcept { return paced_.load(); }
  /// Planned cuts not done yet (0 once finished or given up).
  std::size_t cuts_left() const noexcept { return cuts_left_.load(); }

  // Results, after join().
  /// Every event received (data, gap, reset, end), in order, across connections.
  const std::vector<parsed_event>& received() const noexcept { return received_; }
  /// The node of each received event (parallel to received()).
  const std::vector<std::string>& received_from() const noexcept { return received_from_; }
  const std::vector<reconnect_record>& reconnects() const noexcept { return reconnects_; }
  /// The node of the last connection (the one that saw the end).
  const std::string& final_node() const noexcept { return final_node_; }
  bool finished() const noexcept { return finished_; }
  /// Cuts done: RSTs, and half-open stalls that the gateway dropped.
  std::size_t resets_done() const noexcept { return resets_; }
  std::size_t drops_seen() const noexcept { return drops_; }
  /// Half-open cuts done as RSTs because another client of the stream held the stall token.
  std::size_t stalls_converted() const noexcept { return converted_; }
  std::vector<std::string> problems() const;

 private:
  void run();
  void problem(std::string what);
  /// Reads one connection; returns why it ended.
  enum class outcome { end, cut_reset, cut_dropped, closed, stalled };
  static std::string outcome_name(outcome o);
  outcome read_connection(sse_client& c, const endpoint& at, std::size_t& next_cut);
  void record(const parsed_event& e, const std::string& node);

  subscriber_options o_;
  std::thread thread_;
  std::atomic<seq_t> received_seq_{0};
  std::atomic<bool> paced_{false};
  std::atomic<std::size_t> cuts_left_{0};
  std::vector<parsed_event> received_;
  std::vector<std::string> received_from_;
  std::vector<reconnect_record> reconnects_;
  std::string last_id_;
  std::string final_node_;
  bool finished_ = false;
  std::size_t resets_ = 0;
  std::size_t drops_ = 0;
  std::size_t converted_ = 0;
  mutable std::mutex mu_;
  std::vector<std::string> problems_;  // guarded by mu_
};

/// Parses `<epoch>:<seq>`; nullopt when malformed.
std::optional<std::pair<std::string, seq_t>> split_event_id(const std::string& id);

}  // namespace sse::test
