#pragma once
// The health part of GET /metrics: what /readyz answers, as gauges that a Prometheus
// alert can watch over time, and the Redis store's pub/sub liveness probe by outcome. Kept apart
// from metrics.cpp because these are read from the store at scrape time, not counted by workers.

#include <cstdint>
#include <optional>
#include <string>

namespace sse::telemetry {

/// Probes since start (--redis-probe-interval): ok came back, failed did not within
/// --redis-probe-timeout.
struct probe_counts {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
};

struct health_sample {
  bool store_available = false;  ///< the /readyz `store_available` field
  bool ready = false;            ///< /readyz answers 200: store available and not draining
  std::optional<probe_counts> redis_probes;  ///< nullopt: the store has no probe (memory)
};

/// Appends sse_gateway_store_available, sse_gateway_ready (gauges, 1 or 0) and, when the store
/// has a probe, sse_gateway_redis_probes_total{outcome="ok"|"failed"} (Prometheus text 0.0.4).
void render_health(std::string& out, const health_sample& h);

}  // namespace sse::telemetry
