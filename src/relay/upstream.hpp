#pragma once
// One upstream call of a relay: HTTP/1.1 with Beast over Asio, TLS with OpenSSL (verification on,
// system CA store, SNI). The response body is parsed as SSE and handed over event by event; the
// call ends with an outcome that never holds the injected header values.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "relay/pool.hpp"
#include "relay/route.hpp"
#include "stream/sse_parser.hpp"

namespace sse::relay {

struct upstream_outcome {
  enum class kind { completed, failed, cancelled };
  kind what = kind::failed;
  /// failed: "upstream_status" (non-2xx), "not_sse", "timeout", "reset", "tls", "connect",
  /// "resolve", "protocol", "store"; empty otherwise.
  std::string reason;
  unsigned upstream_status = 0;  ///< 0 when no response head arrived
  std::string body_excerpt;      ///< non-SSE answers: the start of the body, secrets redacted
  std::optional<std::chrono::milliseconds> ttfb;  ///< to the response head
  std::size_t events = 0;                         ///< upstream events parsed
};

/// Asked to stop by cancel(); thread-safe. One per call.
class upstream_control : public std::enable_shared_from_this<upstream_control> {
 public:
  void cancel();
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

  // Set by call_upstream while it runs: closes the connection on the call's executor.
  void set_abort(boost::asio::any_io_executor ex, std::function<void()> abort);
  void clear_abort();

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::optional<boost::asio::any_io_executor> ex_;
  std::function<void()> abort_;
};

/// Receives each batch of parsed events; returns false to stop the call (e.g. the stream was
/// ended by a cancel on another node), which ends it as cancelled.
using event_handler =
    std::function<boost::asio::awaitable<bool>(std::vector<stream::parsed_event> events)>;

struct upstream_call {
  const route* r = nullptr;
  std::string body;
  std::string content_type;  ///< of the client's body; empty: application/json
  /// The clock of the call's timeouts and time to first byte (not owned; null: the process's
  /// steady clock).
  const core::monotonic_clock* clock = nullptr;
};

/// A TLS client context: verify peer, system default CA paths (plus `extra_ca_pem` when given,
/// for tests with their own CA).
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& extra_ca_pem);

/// Runs one upstream call to its end. Never throws on the data path. With a pool, the call
/// takes an idle connection to the host made on its own executor when there is one (retrying
/// once on a new connection when that one turns out closed before answering), and gives its
/// connection back after a cleanly finished response; without, one connection per call.
boost::asio::awaitable<upstream_outcome> call_upstream(upstream_call call,
                                                       boost::asio::ssl::context& tls,
                                                       std::shared_ptr<upstream_control> control,
                                                       event_handler on_events,
                                                       upstream_pool* pool = nullptr);

/// Replaces every injected header value found in `text` by "[redacted]".
std::string redact(std::string text, const route& r);

}  // namespace sse::relay
