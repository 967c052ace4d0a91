#pragma once
// What the HTTP layer needs of relay mode (issue 7), implemented by relay::manager in
// src/relay. An interface, so that src/http does not depend on src/relay (which uses http's
// stream_ops); app::gateway sets services::relay when --relay-config is given.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "http/api_error.hpp"

namespace sse::http {

struct relay_started {
  std::string stream_id;
  bool created = false;  ///< false: the Idempotency-Key named a stream that exists: no new call
};

class relay_service {
 public:
  virtual ~relay_service() = default;
  /// Creates the stream and starts the upstream call in the background (it goes on when the
  /// client leaves). Errors: 404 unknown route, 400 bad Idempotency-Key, 429 route full, store
  /// errors.
  virtual boost::asio::awaitable<api_result<relay_started>> start(
      std::string route, std::optional<std::string> idempotency_key, std::string body,
      std::string content_type) = 0;
  /// Aborts the upstream call (when this node runs it) and ends the stream `cancelled`.
  /// Errors: 404 unknown stream, 409 already ended.
  virtual boost::asio::awaitable<api_result<void>> cancel(std::string stream_id) = 0;
  /// Per-route counters in the Prometheus text format, appended to /metrics. Any thread.
  virtual std::string render_prometheus() const = 0;
};

}  // namespace sse::http
