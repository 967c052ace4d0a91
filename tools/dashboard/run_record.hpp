#pragma once
// What the dashboard knows about one gate run: the parts of summary.json and timeseries.json
// (tools/load/SCHEMA.md, schema_version 1) that the pages show. Plain data, no behaviour.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sse::dashboard {

/// The artifact layout this dashboard reads (summary.json and timeseries.json alike).
inline constexpr int supported_schema_version = 1;

struct machine_info {
  std::string hostname;
  std::string cpu_model;
  int cores = 0;
};

/// One rule of the gate's verdict, as the run saw it (so its threshold is the one in force).
struct rule_record {
  std::string name;
  std::string scope;  ///< "window", "attempt" or "run"
  std::string metric;
  std::string comparison;  ///< ">=" or "<="
  std::optional<double> value;
  double threshold = 0;
  bool pass = false;
};

struct run_summary {
  int schema_version = 0;
  std::optional<std::string> commit;  ///< none: the run did not know its commit
  std::string date;                   ///< ISO 8601 UTC, start of the run
  machine_info machine;
  std::string verdict;  ///< "pass" or "fail"
  std::optional<std::string> failure_message;
  /// Why the run was stopped before its end (the gateway or redis-server it started exited,
  /// the target refused every connect): its figures measure the breakdown, not the gateway,
  /// so the run is listed with this text and kept off the trend charts.
  std::optional<std::string> setup_error;
  /// Every numeric figure of "aggregates", nested objects flattened with dots
  /// ("deliver_latency_ms.p95"); null figures are absent.
  std::map<std::string, double> aggregates;
  /// The configuration's scalar settings, flattened like aggregates, as display text.
  std::vector<std::pair<std::string, std::string>> configuration;
  std::vector<rule_record> rules;

  const rule_record* find_rule(const std::string& name) const;
  std::optional<double> aggregate(const std::string& key) const;
};

/// The window time series: one row per window, columns in the order of the file.
struct time_series {
  int schema_version = 0;
  double window_s = 0;
  std::vector<std::string> columns;
  /// rows[i][c] is column c of window i; none where the file holds null.
  std::vector<std::vector<std::optional<double>>> rows;

  /// Index of a column, or none.
  std::optional<std::size_t> column(const std::string& name) const;
};

struct run_record {
  std::string id;   ///< folder name in the history; also the run page's file name
  std::string dir;  ///< the run's folder
  run_summary summary;
  time_series series;
  std::vector<std::string> artifacts;  ///< file names in the run folder, sorted (copied, linked)
};

/// A run folder or file that could not be used, with the reason (shown on stderr and the page).
struct skipped_run {
  std::string name;
  std::string reason;
};

}  // namespace sse::dashboard
