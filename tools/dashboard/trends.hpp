#pragma once
// Each trend metric across the runs of a history: values, thresholds in force and regression
// checks, aligned with the runs (oldest first). Pure.

#include <span>
#include <string>
#include <vector>

#include "dashboard/regression.hpp"
#include "dashboard/run_record.hpp"
#include "dashboard/trend_metrics.hpp"

namespace sse::dashboard {

struct metric_trend {
  const trend_metric* metric = nullptr;
  std::vector<std::optional<double>> values;
  std::vector<std::optional<double>> thresholds;
  std::vector<regression_check> checks;
};

/// One regression, for the list at the top of the index page.
struct regression_flag {
  std::size_t run = 0;  ///< index into the runs
  const trend_metric* metric = nullptr;
  double value = 0;
  double baseline = 0;
};

std::vector<metric_trend> compute_trends(std::span<const run_record> runs,
                                         const regression_options& options);

/// Every flagged (run, metric), by run then in metric order.
std::vector<regression_flag> regression_flags(const std::vector<metric_trend>& trends);

/// "+12.5 % worse" style text for a flag: how far from the baseline, in the worse direction.
std::string describe_change(const regression_flag& flag);

}  // namespace sse::dashboard
