#include "dashboard/trends.hpp"

#include <cmath>

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

std::vector<metric_trend> compute_trends(std::span<const run_record> runs,
                                         const regression_options& options) {
  std::vector<metric_trend> trends;
  for (const trend_metric& m : trend_metrics()) {
    metric_trend t;
    t.metric = &m;
    for (const run_record& r : runs) {
      t.values.push_back(metric_value(m, r.summary));
      t.thresholds.push_back(metric_threshold(m, r.summary));
    }
    t.checks = detect_regressions(t.values, m.worse, m.noise_floor, options);
    trends.push_back(std::move(t));
  }
  return trends;
}

std::vector<regression_flag> regression_flags(const std::vector<metric_trend>& trends) {
  std::vector<regression_flag> flags;
  const std::size_t runs = trends.empty() ? 0 : trends.front().values.size();
  for (std::size_t i = 0; i < runs; ++i) {
    for (const metric_trend& t : trends) {
      if (t.checks[i].regression) {
        flags.push_back({i, t.metric, *t.values[i], *t.checks[i].baseline});
      }
    }
  }
  return flags;
}

std::string describe_change(const regression_flag& flag) {
  const double delta = flag.value - flag.baseline;
  if (flag.baseline == 0) {
    return (delta > 0 ? "+" : "") + format_number(delta * flag.metric->scale, 3) + " " +
           flag.metric->unit;
  }
  const double percent = delta / std::fabs(flag.baseline) * 100;
  return (percent > 0 ? "+" : "") + format_number(percent, 3) + " %";
}

}  // namespace sse::dashboard
