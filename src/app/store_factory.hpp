#pragma once
// The seam where --store picks its implementation: `memory` (the embedded store) or
// `redis://...` (store/redis, when built). Startup only.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
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

/// The store limits from the config (buffer limit and bytes, TTL, end retention).
store::store_limits limits_from(const config::config& cfg);

/// Builds the store for cfg.store. Throws std::runtime_error with a one-line message for an
/// unknown or unavailable store (the caller exits 1).
std::unique_ptr<store::store> make_store(const store_context& ctx);

}  // namespace sse::app
