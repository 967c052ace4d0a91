#pragma once
// What the request-level code (src/http) needs of relay mode, implemented by relay::manager in
// src/relay. Here, in the layer both use, so that neither depends on the other; app::gateway sets
// http::services::relay when --relay-config is given.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "ops/api_error.hpp"

namespace sse::ops {

struct relay_started {
  std::string stream_id;
  bool created = false;  ///< false: the stream existed (a retried POST): no new call
  std::string epoch;     ///< the stream's epoch (every answer about a stream carries it)
};

/// What a cancel did: the stream's epoch and the seq of its end event.
struct relay_cancelled {
  std::string epoch;
  seq_t last_seq = 0;
};

class relay_service {
 public:
  virtual ~relay_service() = default;
  /// The stream a POST to `route` records into: "relay.<route>.<key>" (core::relay_stream_id),
  /// or a new generated "relay.<route>.<random>" without a key. Relayed streams live in a
  /// namespace only the relay writes, so a key can never name somebody else's stream.
  /// Errors: 404 unknown route, 400 invalid_idempotency_key. Any thread.
  virtual api_result<std::string> stream_id(std::string_view route,
                                            const std::optional<std::string>& key) const = 0;
  /// Creates `stream_id` (from stream_id() for this route) and starts the upstream call in the
  /// background (it goes on when the client leaves); a stream that exists already is answered
  /// created = false and nothing starts. Errors: 404 unknown route, 400 an id outside the
  /// route's namespace, 429 route full, 503 shutting down, store errors.
  virtual boost::asio::awaitable<api_result<relay_started>> start(std::string route,
                                                                  std::string stream_id,
                                                                  std::string body,
                                                                  std::string content_type) = 0;
  /// Aborts the upstream call (when this node runs it) and ends the stream `cancelled`.
  /// Errors: 404 unknown stream, 409 already ended.
  virtual boost::asio::awaitable<api_result<relay_cancelled>> cancel(std::string stream_id) = 0;
  /// Per-route counters in the Prometheus text format, appended to /metrics. Any thread.
  virtual std::string render_prometheus() const = 0;
};

}  // namespace sse::ops
