#include "telemetry/health_metrics.hpp"

#include <string_view>

namespace sse::telemetry {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void render_health(std::string& out, const health_sample& h) {
  family(out, "sse_gateway_store_available", "gauge",
         "1 while the store is reachable (the /readyz store_available field), else 0.");
  out.append("sse_gateway_store_available ").append(h.store_available ? "1" : "0").append("\n");
  family(out, "sse_gateway_ready", "gauge",
         "1 while /readyz answers 200 (store available, not draining), else 0.");
  out.append("sse_gateway_ready ").append(h.ready ? "1" : "0").append("\n");
  if (!h.redis_probes) {
    return;
  }
  family(out, "sse_gateway_redis_probes_total", "counter",
         "Redis pub/sub liveness probes by outcome: ok came back, failed did not within "
         "--redis-probe-timeout.");
  out.append("sse_gateway_redis_probes_total{outcome=\"ok\"} ")
      .append(std::to_string(h.redis_probes->ok))
      .append("\n");
  out.append("sse_gateway_redis_probes_total{outcome=\"failed\"} ")
      .append(std::to_string(h.redis_probes->failed))
      .append("\n");
}

}  // namespace sse::telemetry
