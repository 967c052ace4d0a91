#include "dashboard/trend_metrics.hpp"

namespace sse::dashboard {

const std::vector<trend_metric>& trend_metrics() {
  // Values are what the rules judge, so that each point compares with its threshold line:
  // the trim-rate rule applies to every window, hence the worst window's rate. Noise floors:
  // latencies of a few ms on a shared machine move by a ms or two from run to run (and a
  // single slow resume by more) without meaning anything next to thresholds of 500 ms and 15 s.
  static const std::vector<trend_metric> metrics = {
      {"deliver_p95", "p95 deliver latency", "ms", "deliver_latency_ms.p95",
       "run_deliver_latency_p95_ms", worse_when::higher, 1, 2.0, "", "", "", false},
      {"deliver_p99", "p99 deliver latency", "ms", "deliver_latency_ms.p99", "", worse_when::higher,
       1, 2.0, "", "", "", false},
      {"resume_success", "Resume success rate", "%", "resume_success_rate",
       "run_resume_success_rate", worse_when::lower, 100, 0.005, "", "", "", false},
      {"trim_rate", "Trim rate (worst window)", "%", "max_window_trim_rate", "window_trim_rate",
       worse_when::higher, 100, 0.001, "", "", "", false},
      {"resume_max", "Max resume latency", "ms", "longest_resume_ms", "resume_latency_max_ms",
       worse_when::higher, 1, 10.0, "", "", "", false},
      {"delivered_per_s", "Events delivered per second", "events/s", "delivered_per_s", "",
       worse_when::lower, 1, 1.0, "", "", "", false},
      // The cost of a delivery (summary aggregates.cost, tools/load/SCHEMA.md). CPU figures
      // move by 10-15 % between runs of one binary on a shared 2-core machine, hence floors
      // well above the margin's share of typical values (gate mix: ~40 s gateway, ~14 s redis
      // per 1M deliveries; ~12-30 KB per connection).
      {"cpu_gateway", "Gateway CPU per 1M deliveries", "CPU s",
       "cost.cpu_seconds_per_million_deliveries.gateway", "", worse_when::higher, 1, 5.0,
       "cpu_per_delivery", "CPU seconds per 1M deliveries", "gateway", true},
      {"cpu_redis", "Redis CPU per 1M deliveries", "CPU s",
       "cost.cpu_seconds_per_million_deliveries.redis", "", worse_when::higher, 1, 5.0,
       "cpu_per_delivery", "CPU seconds per 1M deliveries", "redis", true},
      {"rss_per_connection", "Gateway RSS per connection", "bytes", "cost.rss_bytes_per_connection",
       "", worse_when::higher, 1, 4096.0, "", "", "", true},
  };
  return metrics;
}

std::optional<double> metric_value(const trend_metric& m, const run_summary& s) {
  return s.aggregate(m.aggregate);
}

std::optional<double> metric_threshold(const trend_metric& m, const run_summary& s) {
  if (m.rule.empty()) {
    return std::nullopt;
  }
  const rule_record* r = s.find_rule(m.rule);
  if (r == nullptr) {
    return std::nullopt;
  }
  return r->threshold;
}

}  // namespace sse::dashboard
