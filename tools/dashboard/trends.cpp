#include "dashboard/trends.hpp"

#include <algorithm>
#include <cmath>

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

namespace {

std::vector<metric_trend> compute_trends(std::span<const run_record> all,
                                         const std::vector<std::size_t>& runs,
                                         const regression_options& options) {
  std::vector<metric_trend> trends;
  for (const trend_metric& m : trend_metrics()) {
    metric_trend t;
    t.metric = &m;
    for (const std::size_t i : runs) {
      t.values.push_back(metric_value(m, all[i].summary));
      t.thresholds.push_back(metric_threshold(m, all[i].summary));
    }
    t.checks = detect_regressions(t.values, m.worse, m.noise_floor, options);
    trends.push_back(std::move(t));
  }
  return trends;
}

}  // namespace

std::vector<trend_group> compute_trend_groups(std::span<const run_record> runs,
                                              const regression_options& options) {
  std::vector<trend_group> groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].summary.setup_error) {
      continue;
    }
    const run_setup setup = setup_of(runs[i].summary);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const trend_group& g) { return g.setup == setup; });
    if (it == groups.end()) {
      groups.push_back({setup, {}, {}});
      it = std::prev(groups.end());
    }
    it->runs.push_back(i);
  }
  for (trend_group& g : groups) {
    g.trends = compute_trends(runs, g.runs, options);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const trend_group& a, const trend_group& b) {
    return a.runs.back() > b.runs.back();
  });
  return groups;
}

std::vector<std::size_t> setup_error_runs(std::span<const run_record> runs) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].summary.setup_error) {
      out.push_back(i);
    }
  }
  return out;
}

std::vector<regression_flag> regression_flags(const std::vector<trend_group>& groups) {
  std::vector<regression_flag> flags;
  for (const trend_group& g : groups) {
    for (std::size_t p = 0; p < g.runs.size(); ++p) {
      for (const metric_trend& t : g.trends) {
        if (t.checks[p].regression) {
          flags.push_back({g.runs[p], t.metric, *t.values[p], *t.checks[p].baseline});
        }
      }
    }
  }
  // Metric order inside a run is kept: trend_metrics() order, as each group lists them.
  std::stable_sort(
      flags.begin(), flags.end(),
      [](const regression_flag& a, const regression_flag& b) { return a.run < b.run; });
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
