#pragma once
// Regression flags: a run is flagged when its value is worse than the median of the previous
// N runs that measured the metric by more than the margin. Pure: a series in, flags out.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "dashboard/trend_metrics.hpp"

namespace sse::dashboard {

struct regression_options {
  double margin = 0.10;           ///< relative to the baseline median (0.10 = 10 % worse)
  std::size_t baseline_runs = 5;  ///< N; a run with fewer earlier values is never flagged
};

struct regression_check {
  std::optional<double> baseline;  ///< median of the previous N values; none: too few runs
  bool regression = false;
};

/// One check per value, same order (oldest first). A missing value is never flagged and is
/// not part of later baselines. "Worse by more than the margin" means by more than
/// max(margin * |median|, noise_floor) in the `worse` direction.
std::vector<regression_check> detect_regressions(std::span<const std::optional<double>> values,
                                                 worse_when worse, double noise_floor,
                                                 const regression_options& options);

/// Median of a non-empty set (mean of the middle two for an even count).
double median(std::vector<double> values);

}  // namespace sse::dashboard
