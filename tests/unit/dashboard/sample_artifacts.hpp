#pragma once
// Synthetic gate artifacts in the layout of tools/load/SCHEMA.md (schema_version 1), as JSON
// objects the tests can break field by field, and a temporary history folder.

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>

namespace sse::dashboard::testing {

struct sample_run {
  std::string commit = "0123456789abcdef0123456789abcdef01234567";
  std::string date = "2026-03-01T10:00:00Z";
  double p95_ms = 2.5;
  double p95_threshold_ms = 500;
  std::string verdict = "pass";
  std::size_t windows = 3;
  std::string store = "memory";  ///< configuration.store
  double rate = 400;             ///< configuration.rate (events/s)
  double delivered_per_s = 1500;
  std::string setup_error;  ///< empty: null (the run ran to its end)
  /// aggregates.cost; none: null in the file. has_cost false: no cost object at
  /// all, as in summaries written before it existed.
  bool has_cost = true;
  std::optional<double> gateway_cpu_per_million = 40.0;
  std::optional<double> redis_cpu_per_million;  ///< memory store: no redis-server
  std::optional<double> rss_per_connection = 12000.0;
};

boost::json::object summary_object(const sample_run& run = {});
boost::json::object timeseries_object(const sample_run& run = {});
std::string to_text(const boost::json::object& o);

/// A fresh empty folder under the system temp dir, removed when this goes out of scope.
class temp_folder {
 public:
  temp_folder();
  ~temp_folder();
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& file, const std::string& text);
/// Writes summary.json and timeseries.json of `run` into dir (created).
void write_run(const std::filesystem::path& dir, const sample_run& run = {});

}  // namespace sse::dashboard::testing
