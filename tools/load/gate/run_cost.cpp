#include "load/gate/run_cost.hpp"

namespace sse::load {

std::optional<double> cpu_between(const std::optional<usage_reading>& from,
                                  const std::optional<usage_reading>& to) {
  if (!from || !to) {
    return std::nullopt;
  }
  return to->cpu_seconds - from->cpu_seconds;
}

run_cost compute_run_cost(const interval_readings& gateway, const interval_readings& redis,
                          double interval_s, std::uint64_t deliveries,
                          std::uint64_t peak_open_connections) {
  run_cost c;
  c.interval_s = interval_s;
  c.deliveries = deliveries;
  c.peak_open_connections = peak_open_connections;
  c.gateway_cpu_seconds = cpu_between(gateway.start, gateway.end);
  c.redis_cpu_seconds = cpu_between(redis.start, redis.end);
  // Per million deliveries: a run that delivered nothing has no cost per delivery (not an
  // infinite one), so the figure is left out rather than divided by zero.
  const auto per_million = [&](const std::optional<double>& cpu) -> std::optional<double> {
    if (!cpu || deliveries == 0) {
      return std::nullopt;
    }
    return *cpu * 1e6 / static_cast<double>(deliveries);
  };
  c.gateway_cpu_per_million = per_million(c.gateway_cpu_seconds);
  c.redis_cpu_per_million = per_million(c.redis_cpu_seconds);
  if (gateway.start) {
    c.gateway_rss_start_bytes = gateway.start->rss_bytes;
  }
  if (gateway.end) {
    c.gateway_rss_end_bytes = gateway.end->rss_bytes;
  }
  if (gateway.start && gateway.end && peak_open_connections > 0) {
    const double grown =
        static_cast<double>(gateway.end->rss_bytes) - static_cast<double>(gateway.start->rss_bytes);
    c.rss_bytes_per_connection = grown / static_cast<double>(peak_open_connections);
  }
  return c;
}

}  // namespace sse::load
