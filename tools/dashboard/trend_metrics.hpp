#pragma once
// The gate metrics the index page follows across runs: where each one's value is in
// summary.json, which gate rule carries its threshold, and which direction is worse.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dashboard/run_record.hpp"

namespace sse::dashboard {

enum class worse_when { higher, lower };

struct trend_metric {
  std::string id;         ///< stable, used in element ids and data attributes
  std::string title;      ///< chart heading
  std::string unit;       ///< "ms", "%", "events/s"
  std::string aggregate;  ///< flattened key in summary.aggregates
  std::string rule;       ///< gate rule whose threshold is drawn; empty: the gate has none
  worse_when worse = worse_when::higher;
  double scale = 1;  ///< display factor (0.98 shown as 98 %)
  /// Smallest change that can count as a regression, in the metric's own units: relative
  /// margins mean nothing around zero (a trim rate going from 0 to 0.0001).
  double noise_floor = 0;
};

/// p95 and p99 deliver latency, resume success rate, worst window trim rate, max resume
/// latency, events/s delivered; in that order.
const std::vector<trend_metric>& trend_metrics();

/// The metric's value in one run; none when the run did not measure it.
std::optional<double> metric_value(const trend_metric& m, const run_summary& s);
/// The threshold in force in that run (from its own rules); none when it has no such rule.
std::optional<double> metric_threshold(const trend_metric& m, const run_summary& s);

}  // namespace sse::dashboard
