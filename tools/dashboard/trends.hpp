#pragma once
// Each trend metric across the runs of a history, one set of trends per (store, load): values,
// thresholds in force and regression checks, aligned with the group's runs (oldest first). A
// run is compared only with earlier runs of its own group, and runs that never ran (a
// setup_error) belong to no group. Pure.

#include <span>
#include <string>
#include <vector>

#include "dashboard/regression.hpp"
#include "dashboard/run_record.hpp"
#include "dashboard/run_setup.hpp"
#include "dashboard/trend_metrics.hpp"

namespace sse::dashboard {

struct metric_trend {
  const trend_metric* metric = nullptr;
  std::vector<std::optional<double>> values;
  std::vector<std::optional<double>> thresholds;
  std::vector<regression_check> checks;
};

/// The runs measured on one store under one load, and their trends.
struct trend_group {
  run_setup setup;
  std::vector<std::size_t> runs;     ///< indexes into the history's runs, oldest first
  std::vector<metric_trend> trends;  ///< one per trend metric, values aligned with `runs`
};

/// One regression, for the list at the top of the index page.
struct regression_flag {
  std::size_t run = 0;  ///< index into the history's runs
  const trend_metric* metric = nullptr;
  double value = 0;
  double baseline = 0;
};

/// The groups of the runs that ran, the group of the most recent run first (what the gate
/// measures now comes before what it measured once).
std::vector<trend_group> compute_trend_groups(std::span<const run_record> runs,
                                              const regression_options& options);

/// Indexes of the runs that never ran (setup_error), oldest first.
std::vector<std::size_t> setup_error_runs(std::span<const run_record> runs);

/// Every flagged (run, metric) of every group, by run then in metric order.
std::vector<regression_flag> regression_flags(const std::vector<trend_group>& groups);

/// "+12.5 % worse" style text for a flag: how far from the baseline, in the worse direction.
std::string describe_change(const regression_flag& flag);

}  // namespace sse::dashboard
