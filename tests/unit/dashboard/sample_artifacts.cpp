#include "sample_artifacts.hpp"

#include <boost/json/serialize.hpp>
#include <fstream>
#include <random>
#include <stdexcept>

namespace sse::dashboard::testing {

namespace json = boost::json;

json::object summary_object(const sample_run& run) {
  json::object o;
  o["schema_version"] = 1;
  o["tool"] = "sse-live-resume";
  o["commit"] = run.commit;
  o["date"] = run.date;
  o["machine"] = {{"hostname", "bench-1"}, {"cpu_model", "Test CPU"}, {"cores", 2}};
  o["configuration"] = {{"target", "http://127.0.0.1:1"},
                        {"target_kind", "gateway"},
                        {"store", run.store},
                        {"gateway_args", json::array{"--buffer-limit", "64"}},
                        {"streams", 8},
                        {"rate", run.rate},
                        {"subscribers", 40},
                        {"duration_s", 3.0},
                        {"thresholds", {{"run_max_p95_deliver_latency_ms", run.p95_threshold_ms}}}};
  o["aggregates"] = {{"duration_s", 3.0},
                     {"resume_success_rate", 0.99},
                     {"max_window_trim_rate", 0.002},
                     {"trim_rate", 0.001},
                     {"delivered_per_s", run.delivered_per_s},
                     {"longest_resume_ms", 12.5},
                     {"deliver_latency_ms",
                      {{"p50", 1.0}, {"p95", run.p95_ms}, {"p99", run.p95_ms * 2}, {"count", 10}}},
                     {"resume_latency_ms", nullptr}};
  if (run.has_cost) {
    auto or_null = [](const std::optional<double>& v) {
      return v ? json::value(*v) : json::value(nullptr);
    };
    o["aggregates"].as_object()["cost"] = {
        {"interval_s", 3.0},
        {"deliveries", 4500},
        {"gateway_cpu_seconds", 0.18},
        {"redis_cpu_seconds", nullptr},
        {"cpu_seconds_per_million_deliveries",
         {{"gateway", or_null(run.gateway_cpu_per_million)},
          {"redis", or_null(run.redis_cpu_per_million)}}},
        {"gateway_rss_start_bytes", 8000000},
        {"gateway_rss_end_bytes", 8480000},
        {"peak_open_connections", 40},
        {"rss_bytes_per_connection", or_null(run.rss_per_connection)}};
  }
  o["resources"] = {{"tool", nullptr}, {"gateway", nullptr}, {"redis", nullptr}};
  json::array rules;
  rules.push_back({{"name", "window_trim_rate"},
                   {"scope", "window"},
                   {"metric", "trim_rate"},
                   {"comparison", "<="},
                   {"value", 0.002},
                   {"threshold", 0.01},
                   {"pass", true}});
  rules.push_back({{"name", "run_deliver_latency_p95_ms"},
                   {"scope", "run"},
                   {"metric", "deliver_latency_p95_ms"},
                   {"comparison", "<="},
                   {"value", run.p95_ms},
                   {"threshold", run.p95_threshold_ms},
                   {"pass", run.p95_ms <= run.p95_threshold_ms}});
  rules.push_back({{"name", "run_resume_success_rate"},
                   {"scope", "run"},
                   {"metric", "resume_success_rate"},
                   {"comparison", ">="},
                   {"value", nullptr},
                   {"threshold", 0.98},
                   {"pass", true}});
  o["rules"] = std::move(rules);
  o["failure"] = nullptr;
  o["setup_error"] = run.setup_error.empty() ? json::value(nullptr) : json::value(run.setup_error);
  o["verdict"] = run.verdict;
  return o;
}

json::object timeseries_object(const sample_run& run) {
  json::array rows;
  for (std::size_t i = 0; i < run.windows; ++i) {
    rows.push_back({{"window", i + 1},
                    {"start_s", static_cast<double>(i)},
                    {"end_s", static_cast<double>(i + 1)},
                    {"resume_attempts", 4},
                    {"resume_success_rate", i == 0 ? json::value(nullptr) : json::value(1.0)},
                    {"trim_rate", i == 1 ? 0.05 : 0.0},
                    {"deliver_latency_p95_ms", run.p95_ms}});
  }
  return {{"schema_version", 1}, {"window_s", 1.0}, {"rows", std::move(rows)}};
}

std::string to_text(const json::object& o) {
  return json::serialize(o);
}

temp_folder::temp_folder() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("dashboard_test_" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

temp_folder::~temp_folder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + file.string());
  }
}

void write_run(const std::filesystem::path& dir, const sample_run& run) {
  write_file(dir / "summary.json", to_text(summary_object(run)));
  write_file(dir / "timeseries.json", to_text(timeseries_object(run)));
}

}  // namespace sse::dashboard::testing
