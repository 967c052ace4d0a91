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

#include "durable/protocol.hpp"
#include "store/store.hpp"

namespace sse::durable {

inline constexpr std::string_view path_prefix = "/v1/stream/";

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
  seq_t after = 0;
  bool json = false;
  bool base64 = false;  ///< not text/* nor JSON: data events carry base64
  std::optional<std::string> cursor;
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
  /// When the stream stops existing: Expires-At, or the TTL after the last read or write
  /// (a sliding window; HEAD does not renew); nullopt: never.
  std::optional<std::int64_t> deadline_ms(std::int64_t last_access_ms) const;
  friend bool operator==(const stream_meta&, const stream_meta&) = default;
};
std::string encode_meta(const stream_meta& m);
std::optional<stream_meta> decode_meta(std::string_view data);

class door {
 public:
  door(store::store& store, settings s);

  /// Every request except live=sse reads.
  boost::asio::awaitable<reply> handle(const request& req);

  /// live=sse reads: is_sse tells them apart, start_sse answers a refusal or the 200 head
  /// (the caller writes it), then stream_sse writes events until the stream closes, the client
  /// goes away or sse_max_duration passes.
  bool is_sse(const request& req) const;
  boost::asio::awaitable<sse_start> start_sse(const request& req);
  boost::asio::awaitable<void> stream_sse(sse_plan plan, sse_sink& sink);

  const settings& config() const noexcept { return settings_; }

 private:
  struct located {
    store::stream_info info;
    stream_meta meta;
    std::int64_t last_access_ms = 0;
    bool closed() const { return info.status != store::stream_status::open; }
    /// The last data seq: the end event, when closed, is not data.
    seq_t tail() const { return closed() ? info.last_seq - 1 : info.last_seq; }
  };
  boost::asio::awaitable<std::optional<located>> locate(const std::string& id, reply& error);
  boost::asio::awaitable<reply> create(const request& req, const std::string& id);
  /// A fork's create (Stream-Forked-From): checks the source and the fork point, fills in what
  /// the fork inherits in `meta` and its first events; an error reply when refused.
  boost::asio::awaitable<std::optional<reply>> inherit(const request& req, stream_meta& meta,
                                                       bool lifetime_given,
                                                       std::vector<stream::new_event>& inherited);
  boost::asio::awaitable<reply> append(const request& req, const std::string& id);
  boost::asio::awaitable<reply> remove(const std::string& id);
  boost::asio::awaitable<reply> head(const std::string& id);
  boost::asio::awaitable<reply> read(const request& req, const std::string& id);
  std::string cursor(std::optional<std::string_view> client);
  /// A read or write renews a TTL stream's sliding window (as seen by this node).
  void touch(const std::string& id);
  struct cached_stream {
    std::string epoch;
    stream_meta meta;
    std::int64_t last_access_ms = 0;
  };

  store::store& store_;
  settings settings_;
  std::mutex mutex_;  ///< guards cache_ and rng_
  std::unordered_map<std::string, cached_stream> cache_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace sse::durable
