#pragma once
// The run's artifacts (tools/load/SCHEMA.md): timeseries.json, timeseries.csv and
// summary.json, plus the console lines. Pure formatting: the controller gathers the figures.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "load/gate/gate.hpp"
#include "load/gate/run_cost.hpp"
#include "load/options.hpp"
#include "load/worker.hpp"

namespace sse::load {

inline constexpr int artifact_schema_version = 1;

struct resource_figures {
  int pid = 0;
  double cpu_seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
};

struct run_info {
  const load_options* options = nullptr;
  thresholds limits;
  std::string commit;  ///< empty: unknown
  std::string date;    ///< ISO 8601 UTC, start of the run
  tools::machine_info machine;
  std::string target;  ///< the gateway's URL
  std::string stream_prefix;
  std::uint64_t open_files_limit = 0;
  run_counters counters;
  resource_figures tool;
  std::optional<resource_figures> gateway;  ///< when the tool started it
  std::optional<resource_figures> redis;    ///< when the tool started it
  /// CPU per delivery and RSS per connection over the windows (aggregates.cost in summary.json).
  run_cost cost;
  /// Why the run was stopped as a setup error (exit 2) rather than judged: the started
  /// gateway or redis-server exited, or the target refused every connection.
  std::optional<std::string> setup_error;
};

/// Every column of a time-series row, in order, as JSON values (null when not measured).
boost::json::object row_object(const window_row& r);
std::string timeseries_json(const std::vector<window_row>& rows, double window_s);
std::string timeseries_csv(const std::vector<window_row>& rows);
std::string summary_json(const run_info& info, const run_report& report);

/// One console line per window.
std::string row_line(const window_row& r);
/// The closing lines printed on stdout.
std::string summary_text(const run_info& info, const run_report& report);

/// ISO 8601 UTC of now ("2026-11-27T10:02:47Z").
std::string utc_now();

}  // namespace sse::load
