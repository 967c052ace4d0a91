#pragma once
// The Store seam (an interface because it has two real implementations): where stream buffers
// live. store/memory is the embedded store, store/redis the shared one; both pass the same
// conformance suite in tests/store.
//
// Every operation is a coroutine that completes on the caller's executor. Errors are
// sse::errc values in the result (stream_not_found, stream_ended, producer_seq_conflict,
// store_unavailable, internal); nothing on the data path throws.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::store {

/// Limits and lifetimes applied to streams; per-stream overrides come with create/append.
struct store_limits {
  std::size_t buffer_limit = 256;                        ///< events per stream
  std::size_t buffer_max_bytes = 1024 * 1024;            ///< sum of event_size_bytes per stream
  std::chrono::milliseconds ttl{std::chrono::hours(1)};  ///< idle stream lifetime
  std::chrono::milliseconds end_retention{std::chrono::minutes(5)};  ///< ended stream lifetime
};

/// Per-stream overrides given at creation (PUT body). Unset fields take store_limits.
struct stream_options {
  std::optional<std::size_t> buffer_limit;
  std::optional<std::chrono::milliseconds> ttl;
};

enum class stream_status { open, completed, failed, cancelled };

struct create_result {
  std::string epoch;
  bool created = false;  ///< false: it existed already
  /// The stream's own limits (as created; for an existing stream its original ones), so that a
  /// create asking for others can be told apart from a plain retry (PUT answers 409).
  std::size_t buffer_limit = 0;
  std::chrono::milliseconds ttl{0};
};

struct append_request {
  std::string stream_id;
  std::vector<stream::new_event> events;  ///< at least one
  /// Idempotency: the seq the producer expects the first event to get. If the stream's next seq
  /// is producer_seq, append. If [producer_seq, producer_seq + n) was already appended by the
  /// same batch size, answer the original result and append nothing. Otherwise
  /// producer_seq_conflict.
  std::optional<seq_t> producer_seq;
  stream_options create_options;  ///< used when the append creates the stream
};

struct append_result {
  std::string epoch;
  seq_t first_seq = 0;
  seq_t last_seq = 0;
  std::vector<stream::trimmed_event> evicted;  ///< what this append evicted, in eviction order
  /// How many events the append evicted: evicted.size(), and for a duplicate the original
  /// append's count (whose evicted list is not kept), so a retry answers exactly as the original.
  std::uint64_t trimmed = 0;
  bool created = false;    ///< this append created the stream
  bool duplicate = false;  ///< idempotent retry: nothing was appended now
};

struct end_result {
  std::string epoch;
  seq_t last_seq = 0;  ///< the seq of the end event
  bool already_ended = false;
};

struct stream_info {
  std::string epoch;
  stream_status status = stream_status::open;
  seq_t last_seq = 0;
  seq_t first_seq = 0;  ///< first buffered seq; 0 when nothing is buffered
  std::size_t buffered_count = 0;
  std::size_t buffered_bytes = 0;
  std::uint64_t trimmed_count = 0;
  std::size_t buffer_limit = 0;
  std::size_t buffer_max_bytes = 0;
  core::time_point created_at{};
  core::time_point updated_at{};
  std::chrono::milliseconds expires_in{0};
};

/// A read of the buffer for replay: everything buffered after a seq, plus the facts a resume
/// needs to announce gaps and the end.
struct read_result {
  std::string epoch;
  seq_t last_seq = 0;
  bool ended = false;  ///< the end event exists (it is then the last seq)
  /// Seq of the latest event appended with checkpoint set; 0 when none. The event
  /// itself may have been trimmed since.
  seq_t checkpoint_seq = 0;
  std::vector<stream::stored_event> events;  ///< seq > after, ascending; holes were trimmed
  /// Holes that held events the store could not read (ascending, disjoint), which resumes
  /// announce as unreadable rather than trimmed. Only v1.10 elements that the Redis store's
  /// upgrade could not decode (kept aside, see store/redis) produce them.
  std::vector<stream::seq_range> unreadable;
};

/// Receives live batches. Callbacks may arrive on any thread, must return quickly and must not
/// call back into the store synchronously (post instead).
class live_listener {
 public:
  virtual ~live_listener() = default;
  /// Every batch appended after watch() completed, in seq order per stream.
  virtual void on_events(std::shared_ptr<const stream::event_batch> batch) = 0;
  /// The stream was deleted or expired: no more events will come for this incarnation.
  virtual void on_stream_gone(const std::string& stream_id) = 0;
  /// Live delivery was interrupted (e.g. a Redis subscription lost) and is back: batches may have
  /// been missed, so re-read from the last delivered seq. The memory store never calls this.
  virtual void on_resync(const std::string& stream_id) = 0;
};

/// A stream that the store expired by TTL (for SseStreamExpired).
struct expired_stream {
  std::string stream_id;
  std::string epoch;
  bool ended = false;
};

/// The Redis store's pub/sub liveness probes since start, for /metrics.
struct probe_stats {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
};

/// Totals across all streams of this store as seen by this node, for /metrics.
struct store_stats {
  std::int64_t streams = 0;
  std::int64_t events_buffered = 0;
  std::int64_t bytes_buffered = 0;
  std::optional<probe_stats> probes;  ///< nullopt: this store has no probe (memory)
};

class store {
 public:
  virtual ~store() = default;

  /// Creates the stream if missing (fresh epoch), else reports the existing one.
  virtual boost::asio::awaitable<result<create_result>> create(std::string stream_id,
                                                               stream_options options) = 0;

  /// Appends events atomically (all or none), creating the stream if missing; trims the buffer
  /// (events older than the latest checkpoint first, oldest first, then by priority then age;
  /// a checkpoint in the batch counts as soon as it is stored); publishes the batch to live
  /// listeners. Errors: stream_ended, producer_seq_conflict, store_unavailable.
  virtual boost::asio::awaitable<result<append_result>> append(append_request request) = 0;

  /// Appends the end event (`event: end`, data {"status":...}, priority 3, never trimmed).
  /// A second end answers the first end's result with already_ended. Errors: stream_not_found.
  virtual boost::asio::awaitable<result<end_result>> end(std::string stream_id,
                                                         stream_status status) = 0;

  virtual boost::asio::awaitable<result<stream_info>> info(std::string stream_id) = 0;

  /// Restarts an open stream's idle lifetime (its TTL) as an append does, without appending:
  /// for protocols where a read keeps a stream alive (Durable Streams' sliding Stream-TTL), so
  /// that every node sees the renewal. An ended stream keeps its end retention. Errors:
  /// stream_not_found, store_unavailable.
  virtual boost::asio::awaitable<result<void>> renew(std::string stream_id) = 0;

  /// Deletes the stream and tells its live listeners it is gone. Errors: stream_not_found.
  virtual boost::asio::awaitable<result<void>> remove(std::string stream_id) = 0;

  /// Buffered events with seq > after. Errors: stream_not_found.
  virtual boost::asio::awaitable<result<read_result>> read_after(std::string stream_id,
                                                                 seq_t after) = 0;

  /// Starts live delivery of stream_id's batches to listener; completes once delivery is active,
  /// so that a read_after issued afterwards overlaps, and never misses, what the listener gets.
  /// The stream need not exist yet.
  virtual boost::asio::awaitable<result<void>> watch(std::string stream_id,
                                                     live_listener* listener) = 0;
  /// Stops delivery to listener. After it returns no callback for this pair starts.
  virtual void unwatch(const std::string& stream_id, live_listener* listener) = 0;

  /// The epoch of the incarnation of stream_id that expired idle (its TTL passed; an ended
  /// stream's end tombstone already served the retention) within the last end_retention, while the
  /// store keeps that small marker: it tells a resume into an expired stream from one into a stream
  /// never created or deleted. nullopt: no marker. The epoch is empty when the store could not
  /// learn it (Redis: no node had seen the stream). Errors: store_unavailable.
  virtual boost::asio::awaitable<result<std::optional<std::string>>> expired_epoch(
      std::string stream_id) = 0;

  /// Drops streams whose TTL passed and reports them. Stores whose backend expires keys itself
  /// (Redis) may return nothing. Called periodically by the app.
  virtual std::vector<expired_stream> sweep_expired() = 0;

  /// Cheap snapshot for /metrics; may be approximate for shared stores.
  virtual store_stats stats() const noexcept = 0;

  /// True while the backend is reachable (for /readyz).
  virtual bool available() const noexcept = 0;
};

std::string_view to_string(stream_status s) noexcept;
std::optional<stream_status> parse_stream_status(std::string_view s) noexcept;

}  // namespace sse::store
