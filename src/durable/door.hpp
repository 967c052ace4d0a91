#pragma once
// The Durable Streams door: /v1/stream/{path} served on the Store seam (README.md here).
// Requests and replies are plain values; the HTTP layer converts them at its edge and gives an
// SSE read a function that writes bytes to the connection.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "durable/protocol.hpp"
#include "store/store.hpp"

namespace sse::durable {

/// True for request paths this door serves.
bool is_durable_path(std::string_view path) noexcept;

struct settings {
  std::chrono::milliseconds long_poll_timeout{std::chrono::seconds(20)};
  std::chrono::milliseconds sse_max_duration{std::chrono::seconds(60)};  ///< PROTOCOL.md 8.2
  std::size_t buffer_limit = 65536;  ///< events per DS stream (oldest trimmed first)
  std::chrono::milliseconds max_ttl{std::chrono::hours(24 * 7)};  ///< and lifetime without TTL
  std::size_t max_read_bytes = 1024 * 1024;  ///< one catch-up answer's data (chunking)
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;  ///< "GET", ...
  std::string target;  ///< path and query, as sent
  header_list headers;
  std::string body;
  /// When the caller's access ends (a token's expiry), on the door's monotonic clock: a
  /// long-poll answers by then, a live=sse read stops then. nullopt: never.
  std::optional<core::steady_time_point> live_until;
  std::optional<std::string> header(std::string_view name) const;
};

struct reply {
  unsigned status = 200;
  header_list headers;
  std::string body;
};

/// Where an SSE read writes: the client's connection.
class sse_sink {
 public:
  /// Writes bytes; false when the connection is gone.
  virtual boost::asio::awaitable<bool> write(std::string bytes) = 0;

 protected:
  ~sse_sink() = default;
};

/// A live=sse read that may start: where it starts and how it frames data.
struct sse_plan {
  std::string id;
  std::string epoch;  ///< the stream's incarnation: a delete (or tombstone) ends the read
  seq_t after = 0;
  bool json = false;
  bool base64 = false;  ///< not text/* nor JSON: data events carry base64
  std::optional<std::string> cursor;
  std::optional<core::steady_time_point> live_until;  ///< request::live_until
};

/// Ends a live read (long-poll or SSE) before its time, e.g. at shutdown or when its client
/// left: its wait ends as at its deadline (a long-poll answers 204, an SSE read returns
/// sse_end::stopped). Owned by the caller, outlives the read; used on the read's executor only.
class live_stop {
 public:
  void request() {
    requested_ = true;
    if (wake_) {
      wake_();
    }
  }
  bool requested() const noexcept { return requested_; }
  /// The door's side: what request() wakes while the read waits (empty: nothing waits).
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

 private:
  bool requested_ = false;
  std::function<void()> wake_;
};

/// Why a live=sse read stopped.
enum class sse_end {
  closed,          ///< the stream was closed: its last events and control were written
  gone,            ///< deleted, trimmed under the reader, store failure, or the client left
  max_duration,    ///< settings::sse_max_duration passed
  access_expired,  ///< request::live_until passed: the caller writes its own last words
  stopped,         ///< its live_stop was requested (shutdown, or the client left)
};

enum class read_mode { catch_up, long_poll, sse };

/// What the door did, for metrics and telemetry (the HTTP layer's; the door has none).
/// Called on the request's coroutine; `id` is the store id.
class observer {
 public:
  /// A stored append; `count` events besides the metadata (create) or in all (append).
  virtual void appended(const std::string& id, std::size_t count,
                        const store::append_result& r) = 0;
  /// A stream closed (Stream-Closed): the store's end event.
  virtual void ended(const std::string& id, const store::end_result& r) = 0;
  /// A POST that stored data or closed the stream.
  virtual void append_accepted() = 0;
  /// A read of an existing stream answered (catch-up, long-poll) or started (sse).
  virtual void read(read_mode mode) = 0;
  /// One `event: data` frame written to an SSE reader.
  virtual void sse_data_written() = 0;

 protected:
  ~observer() = default;
};

/// The start of a live=sse read: a refusal (an error reply), or the head of a 200
/// text/event-stream answer and the plan that stream_sse follows.
struct sse_start {
  reply head;
  std::optional<sse_plan> plan;
};

/// Stream metadata, fixed at creation; stored in the stream's seq 1.
struct stream_meta {
  std::string content_type;
  std::optional<std::uint64_t> ttl_seconds;
  std::optional<std::int64_t> expires_at_ms;  ///< Stream-Expires-At as given
  std::int64_t created_ms = 0;
  /// A fork: its source's path, the offset (seq) and sub-offset it was forked at.
  std::optional<std::string> fork_of;
  seq_t fork_at = 0;
  std::uint64_t fork_sub = 0;
  /// A tombstone: the stream was deleted while forks of it lived. It answers 410 (and a PUT or a
  /// fork from it 409) until its last fork is gone, then it is removed (README.md here).
  bool deleted = false;
  /// The idle lifetime the store keeps the stream for (stream_options::ttl): the sliding
  /// Stream-TTL itself, which every append restarts in the store and door::renew restarts on a
  /// read (so every node sees it); with Expires-At, until a second past it; otherwise max_ttl.
  std::chrono::milliseconds store_ttl(std::chrono::milliseconds max_ttl) const;
  friend bool operator==(const stream_meta&, const stream_meta&) = default;
};
std::string encode_meta(const stream_meta& m);
std::optional<stream_meta> decode_meta(std::string_view data);

class door {
 public:
  /// `obs` (optional) hears what the door did; it must outlive the door. `clock` (not owned,
  /// it must outlive the door; null: the process's steady clock) times live reads: the
  /// long-poll timeout, sse_max_duration, keep-alives and request::live_until. `wall` (not
  /// owned, the same lifetime; null: the system clock) dates what is stored or compared across
  /// nodes: a stream's creation time, Stream-Expires-At, the cursor.
  door(store::store& store, settings s, observer* obs = nullptr,
       const core::monotonic_clock* clock = nullptr, const core::clock* wall = nullptr);

  /// Every request except live=sse reads. `stop` (may be null) ends a long-poll's wait.
  boost::asio::awaitable<reply> handle(const request& req, live_stop* stop = nullptr);

  /// live=sse reads: is_sse tells them apart, start_sse answers a refusal or the 200 head
  /// (the caller writes it), then stream_sse writes events until the stream closes, the client
  /// goes away, sse_max_duration passes or `stop` (may be null) is requested.
  bool is_sse(const request& req) const;
  /// A GET with live=long-poll or live=sse (as the door will read its query).
  bool is_live(const request& req) const;
  boost::asio::awaitable<sse_start> start_sse(const request& req);
  boost::asio::awaitable<sse_end> stream_sse(sse_plan plan, sse_sink& sink,
                                             live_stop* stop = nullptr);

  const settings& config() const noexcept { return settings_; }
  /// The clock live reads keep time on: request::live_until must be read on it.
  const core::monotonic_clock& clock() const noexcept { return clock_; }

 private:
  struct located {
    store::stream_info info;
    stream_meta meta;
    bool closed() const { return info.status != store::stream_status::open; }
    /// The last data seq: the end event, when closed, is not data.
    seq_t tail() const { return closed() ? info.last_seq - 1 : info.last_seq; }
  };
  /// The stream and its metadata, or the error to answer (404, 410 for a tombstone whose forks
  /// live; a tombstone whose forks are all gone is removed here and is 404).
  boost::asio::awaitable<std::optional<located>> locate(const std::string& id, reply& error);
  /// locate without the tombstone rule: tombstones are found like any stream.
  boost::asio::awaitable<std::optional<located>> find(const std::string& id, reply& error);
  /// Records that `fork_id` is (about to be) a fork of `source_id`, for the source's deletion.
  boost::asio::awaitable<result<void>> register_fork(const std::string& source_id,
                                                     const std::string& fork_id);
  /// True when some fork registered for `id` still exists as a fork of it: a plain stream, or a
  /// tombstone with live forks of its own (one without is removed on the way). `depth` bounds the
  /// walk down chains of tombstones.
  boost::asio::awaitable<bool> has_live_forks(const std::string& id, int depth);
  /// Removes a stream and its fork registry for good.
  boost::asio::awaitable<void> forget(const std::string& id);
  boost::asio::awaitable<reply> create(const request& req, const std::string& id);
  /// A fork's create (Stream-Forked-From): checks the source and the fork point, fills in what
  /// the fork inherits in `meta` and its first events; an error reply when refused.
  boost::asio::awaitable<std::optional<reply>> inherit(const request& req, const std::string& id,
                                                       stream_meta& meta, bool lifetime_given,
                                                       std::vector<stream::new_event>& inherited);
  boost::asio::awaitable<reply> append(const request& req, const std::string& id);
  boost::asio::awaitable<reply> remove(const std::string& id);
  boost::asio::awaitable<reply> head(const std::string& id);
  boost::asio::awaitable<reply> read(const request& req, const std::string& id, live_stop* stop);
  std::string cursor(std::optional<std::string_view> client);
  /// A read restarts a Stream-TTL stream's sliding window, in the store (an append does so by
  /// itself there): one more round trip, only for open streams with a TTL.
  boost::asio::awaitable<void> renew(const std::string& id, const located& s);
  /// The metadata of the streams this node has seen, by epoch: it never changes once written.
  struct cached_stream {
    std::string epoch;
    stream_meta meta;
  };

  store::store& store_;
  settings settings_;
  observer* observer_ = nullptr;
  core::steady_clock own_clock_;  // before clock_, which may refer to it
  const core::monotonic_clock& clock_;
  core::system_clock own_wall_;  // before wall_, which may refer to it
  const core::clock& wall_;
  std::mutex mutex_;  ///< guards cache_ and rng_
  std::unordered_map<std::string, cached_stream> cache_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace sse::durable
