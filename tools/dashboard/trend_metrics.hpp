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
  /// Metrics with the same chart id are drawn as series of one chart (their units agree),
  /// headed chart_title, each series named by `series`. Empty: the metric has a chart of its
  /// own, with `id` as its id and `title` as its heading.
  std::string chart;
  std::string chart_title;
  std::string series;
  /// A run without the figure is a gap in the line, not a point on the x axis: for figures
  /// that older runs' summaries do not have (the cost figures).
  bool gap_when_missing = false;

  /// The chart this metric is drawn in: `chart`, else its own id.
  const std::string& chart_key() const { return chart.empty() ? id : chart; }
};

/// p95 and p99 deliver latency, resume success rate, worst window trim rate, max resume
/// latency, events/s delivered, then the cost figures: gateway and redis-server CPU
/// seconds per million deliveries (one chart, two series) and gateway RSS per connection; in
/// that order.
const std::vector<trend_metric>& trend_metrics();

/// The metric's value in one run; none when the run did not measure it.
std::optional<double> metric_value(const trend_metric& m, const run_summary& s);
/// The threshold in force in that run (from its own rules); none when it has no such rule.
std::optional<double> metric_threshold(const trend_metric& m, const run_summary& s);

}  // namespace sse::dashboard
