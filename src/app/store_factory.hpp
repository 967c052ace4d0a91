#pragma once
// The seam where --store picks its implementation: `memory` (the embedded store) or
// `redis://...` (store/redis). Startup only.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "store/lease.hpp"
#include "store/store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/sink.hpp"

namespace sse::app {

/// What a store may need from the process: the config, time, the workers' executors (a network
/// store runs its connections on them), telemetry.
struct store_context {
  const config::config& cfg;
  const core::clock& clock;
  std::vector<boost::asio::any_io_executor> workers;
  telemetry::sink& sink;
  telemetry::metrics& metrics;
};

/// A store and the hooks of its lifetime that the store interface does not have.
struct built_store {
  std::unique_ptr<store::store> store;
  std::function<void()> start;  ///< once the workers run (connects a network store); may be empty
  std::function<void()> stop;   ///< before the workers stop; may be empty
  /// After stop(), while the workers still run: waits up to `limit` for the store's background
  /// coroutines to return; answers whether they did. May be empty (none).
  std::function<bool(std::chrono::milliseconds limit)> join;
  std::function<void()> tick;  ///< every second (store-specific metrics); may be empty
  /// Where and why the store was last unreachable ("127.0.0.1:6379: cannot connect: Connection
  /// refused"); empty when it is fine or cannot tell. May be empty (the memory store).
  std::function<std::string()> problem;
  /// Blocks (not on a worker) until the store is available or `limit` has passed; answers
  /// whether it is. Woken by the store's own availability report, not by polling. Empty for a
  /// store that is available from the start (the memory store).
  std::function<bool(std::chrono::milliseconds limit)> wait_available;
  /// Sets a callback run after every change of the store's availability, from the store's own
  /// report (on a connection's executor, under the store's lock: it must be quick, e.g. a
  /// post). Set before start(). Empty for a store that is available from the start.
  std::function<void(std::function<void()> on_change)> on_availability;
  /// A lease on streams for relay mode on several nodes (node_id, ttl); empty for a store that
  /// one process owns alone (the memory store). The lease must not outlive the store.
  std::function<std::shared_ptr<store::stream_lease>(const std::string& node_id,
                                                     std::chrono::milliseconds ttl)>
      make_lease;
};

/// The store limits from the config (buffer limit and bytes, TTL, end retention).
store::store_limits limits_from(const config::config& cfg);

/// Builds the store for cfg.store. Throws std::runtime_error with a one-line message for an
/// unknown store or a malformed Redis URL (the caller exits 1). A Redis store emits
/// SseStoreUnavailable / SseStoreRecovered when its connections go down and come back, and logs
/// (once per new reason) which address failed and why: connection refused, timed out,
/// authentication failed, not a primary.
built_store make_store(const store_context& ctx);

}  // namespace sse::app
