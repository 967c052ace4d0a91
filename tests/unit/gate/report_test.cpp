#include "load/report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sse::load {
namespace {

using namespace std::chrono_literals;

TEST(report, csv_and_json_carry_every_column_of_every_window) {
  gate g(thresholds{}, 2s);
  window_sample s;
  s.record_resume(resume_outcome::success, 1000us);
  s.record_resume(resume_outcome::timeout, 2000us);
  s.events_appended = 100;
  s.events_delivered = 400;
  s.deliver_latency_us.record(1000);
  g.close_window(2s, s, 7);
  g.close_window(4s, window_sample{}, 0);

  const std::string csv = timeseries_csv(g.rows());
  const auto header_end = csv.find('\n');
  const std::string header = csv.substr(0, header_end);
  const std::size_t columns = std::count(header.begin(), header.end(), ',') + 1;
  EXPECT_EQ(columns, row_object(window_row{}).size());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_EQ(header.rfind("window,start_s,end_s,resume_attempts,resume_successes,", 0), 0u);
  EXPECT_NE(csv.find("\n1,0,2,2,1,0.5,0,1,"), std::string::npos) << csv;

  const auto ts = boost::json::parse(timeseries_json(g.rows(), 2.0)).as_object();
  EXPECT_EQ(ts.at("schema_version").as_int64(), 1);
  const auto& rows = ts.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  const auto& first = rows[0].as_object();
  EXPECT_EQ(first.at("resume_failures_timeout").to_number<std::uint64_t>(), 1u);
  EXPECT_DOUBLE_EQ(first.at("resume_success_rate").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(first.at("delivered_per_s").as_double(), 200.0);
  EXPECT_EQ(first.at("open_connections").to_number<std::uint64_t>(), 7u);
  EXPECT_TRUE(rows[1].as_object().at("resume_success_rate").is_null());
  EXPECT_TRUE(rows[1].as_object().at("deliver_latency_p95_ms").is_null());
}

TEST(report, rows_carry_what_the_processes_used_in_the_window) {
  gate g(thresholds{}, 2s);
  window_resources used;
  used.gateway_cpu_seconds = 0.75;
  used.gateway_rss_bytes = 123456;
  g.close_window(2s, window_sample{}, 0, used);
  const auto row = row_object(g.rows().front());
  EXPECT_DOUBLE_EQ(row.at("gateway_cpu_seconds").as_double(), 0.75);
  EXPECT_TRUE(row.at("redis_cpu_seconds").is_null()) << "no redis-server: not measured";
  EXPECT_EQ(row.at("gateway_rss_bytes").to_number<std::uint64_t>(), 123456u);
  const std::string csv = timeseries_csv(g.rows());
  EXPECT_NE(csv.find(",gateway_cpu_seconds,redis_cpu_seconds,gateway_rss_bytes\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",0.75,,123456\n"), std::string::npos) << csv;
}

TEST(report, summary_has_every_section_and_rule) {
  load_options o;
  o.gateway_bin = "/bin/gw";
  gate g(thresholds{}, 10s);
  window_sample s;
  s.record_resume(resume_outcome::success, 1000us);
  s.events_delivered = 1;
  g.close_window(10s, s, 1);
  run_info info;
  info.options = &o;
  info.commit = "abc";
  info.date = "2026-01-01T00:00:00Z";
  info.machine = {"host", "cpu", 2};
  info.tool = {1, 1.5, 1024};
  info.gateway = resource_figures{2, 3.0, 2048};
  info.cost = compute_run_cost({usage_reading{1.0, 4096}, usage_reading{3.0, 8192}}, {}, 10.0,
                               4'000'000, 2);
  const auto root = boost::json::parse(summary_json(info, g.finish())).as_object();
  EXPECT_EQ(root.at("schema_version").as_int64(), 1);
  EXPECT_EQ(root.at("commit").as_string(), "abc");
  EXPECT_EQ(root.at("machine").at("cores").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(root.at("configuration").at("gateway_bin").as_string(), "/bin/gw");
  EXPECT_TRUE(root.at("configuration").at("thresholds").is_object());
  EXPECT_EQ(root.at("configuration").at("thresholds").as_object().size(), 15u)
      << "every key of the gate file";
  EXPECT_EQ(root.at("aggregates").at("resume_attempts").to_number<std::uint64_t>(), 1u);
  EXPECT_DOUBLE_EQ(root.at("resources").at("gateway").at("cpu_seconds").as_double(), 3.0);
  EXPECT_TRUE(root.at("resources").at("redis").is_null());
  const auto& cost = root.at("aggregates").at("cost").as_object();
  EXPECT_DOUBLE_EQ(cost.at("interval_s").as_double(), 10.0);
  EXPECT_EQ(cost.at("deliveries").to_number<std::uint64_t>(), 4'000'000u);
  EXPECT_DOUBLE_EQ(cost.at("gateway_cpu_seconds").as_double(), 2.0);
  EXPECT_TRUE(cost.at("redis_cpu_seconds").is_null()) << "no redis-server started";
  EXPECT_DOUBLE_EQ(cost.at("cpu_seconds_per_million_deliveries").at("gateway").as_double(), 0.5);
  EXPECT_TRUE(cost.at("cpu_seconds_per_million_deliveries").at("redis").is_null());
  EXPECT_EQ(cost.at("gateway_rss_start_bytes").to_number<std::uint64_t>(), 4096u);
  EXPECT_EQ(cost.at("gateway_rss_end_bytes").to_number<std::uint64_t>(), 8192u);
  EXPECT_EQ(cost.at("peak_open_connections").to_number<std::uint64_t>(), 2u);
  EXPECT_DOUBLE_EQ(cost.at("rss_bytes_per_connection").as_double(), 2048.0);
  EXPECT_EQ(root.at("rules").as_array().size(), 12u);
  for (const auto& r : root.at("rules").as_array()) {
    for (const char* key :
         {"name", "scope", "metric", "comparison", "value", "threshold", "pass"}) {
      EXPECT_TRUE(r.as_object().contains(key)) << key;
    }
  }
  EXPECT_TRUE(root.at("failure").is_null());
  EXPECT_EQ(root.at("verdict").as_string(), "pass");
}

}  // namespace
}  // namespace sse::load
