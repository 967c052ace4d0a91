#include "dashboard/artifact_parser.hpp"

#include <gtest/gtest.h>

#include "sample_artifacts.hpp"

namespace sse::dashboard {
namespace {

using testing::sample_run;
using testing::summary_object;
using testing::timeseries_object;
using testing::to_text;

TEST(parse_summary, reads_every_field_of_a_valid_summary) {
  const auto s = parse_summary(to_text(summary_object()));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->schema_version, 1);
  EXPECT_EQ(s->commit, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(s->date, "2026-03-01T10:00:00Z");
  EXPECT_EQ(s->machine.hostname, "bench-1");
  EXPECT_EQ(s->machine.cpu_model, "Test CPU");
  EXPECT_EQ(s->machine.cores, 2);
  EXPECT_EQ(s->verdict, "pass");
  EXPECT_EQ(s->aggregate("deliver_latency_ms.p95"), 2.5);
  EXPECT_EQ(s->aggregate("deliver_latency_ms.count"), 10);
  EXPECT_EQ(s->aggregate("resume_success_rate"), 0.99);
  EXPECT_FALSE(s->aggregate("resume_latency_ms").has_value()) << "null figures are absent";
  ASSERT_EQ(s->rules.size(), 3u);
  EXPECT_EQ(s->rules[1].name, "run_deliver_latency_p95_ms");
  EXPECT_EQ(s->rules[1].scope, "run");
  EXPECT_EQ(s->rules[1].comparison, "<=");
  EXPECT_EQ(s->rules[1].threshold, 500);
  EXPECT_EQ(s->rules[1].value, 2.5);
  EXPECT_TRUE(s->rules[1].pass);
  EXPECT_FALSE(s->rules[2].value.has_value());
  ASSERT_NE(s->find_rule("window_trim_rate"), nullptr);
  EXPECT_EQ(s->find_rule("window_trim_rate")->threshold, 0.01);
  EXPECT_EQ(s->find_rule("nope"), nullptr);
  const auto& cfg = s->configuration;
  EXPECT_NE(std::find(cfg.begin(), cfg.end(),
                      std::pair<std::string, std::string>{"gateway_args", "--buffer-limit 64"}),
            cfg.end());
  EXPECT_NE(std::find(cfg.begin(), cfg.end(),
                      std::pair<std::string, std::string>{
                          "thresholds.run_max_p95_deliver_latency_ms", "500"}),
            cfg.end());
}

TEST(parse_summary, null_commit_and_failure_message) {
  auto o = summary_object();
  o["commit"] = nullptr;
  o["verdict"] = "fail";
  o["failure"] = {{"window", 2}, {"message", "window 2: trim_rate = 0.5 > threshold 0.01"}};
  const auto s = parse_summary(to_text(o));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->commit.has_value());
  EXPECT_EQ(s->verdict, "fail");
  EXPECT_EQ(s->failure_message, "window 2: trim_rate = 0.5 > threshold 0.01");
}

TEST(parse_summary, setup_error_is_read_and_null_means_none) {
  sample_run run;
  EXPECT_FALSE(parse_summary(to_text(summary_object(run))).value().setup_error.has_value());
  run.setup_error = "gateway (pid 42) exited with status 137 at 1.5 s into the run";
  run.verdict = "fail";
  const auto s = parse_summary(to_text(summary_object(run)));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->setup_error, run.setup_error);
}

TEST(parse_summary, ignores_fields_it_does_not_know) {
  auto o = summary_object();
  o["added_in_a_later_minor_change"] = {{"x", 1}};
  EXPECT_TRUE(parse_summary(to_text(o)));
}

TEST(parse_summary, truncated_file_is_malformed) {
  const std::string text = to_text(summary_object());
  const auto s = parse_summary(text.substr(0, text.size() / 2));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not valid JSON"), std::string::npos) << s.error().message;
}

TEST(parse_summary, empty_file_and_non_object) {
  EXPECT_FALSE(parse_summary(""));
  const auto s = parse_summary("[1, 2]");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "top level is not a JSON object");
}

TEST(parse_summary, other_schema_versions_are_refused_by_number) {
  for (const int version : {0, 2, 17}) {
    auto o = summary_object();
    o["schema_version"] = version;
    const auto s = parse_summary(to_text(o));
    ASSERT_FALSE(s) << version;
    EXPECT_EQ(s.error().message, "schema_version " + std::to_string(version) +
                                     " is not supported (this dashboard reads 1)");
  }
  auto older = summary_object();
  older.erase("schema_version");
  const auto s = parse_summary(to_text(older));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no schema_version"), std::string::npos);
  older["schema_version"] = "1";
  EXPECT_FALSE(parse_summary(to_text(older)));
}

TEST(parse_summary, each_missing_required_field_is_named) {
  for (const char* field : {"commit", "date", "machine", "aggregates", "rules", "verdict"}) {
    auto o = summary_object();
    o.erase(field);
    const auto s = parse_summary(to_text(o));
    ASSERT_FALSE(s) << field;
    EXPECT_EQ(s.error().message.rfind(field, 0), 0u) << s.error().message;
  }
}

TEST(parse_summary, mistyped_fields_are_refused) {
  auto o = summary_object();
  o["verdict"] = "maybe";
  EXPECT_FALSE(parse_summary(to_text(o)));
  o = summary_object();
  o["aggregates"] = boost::json::array{1, 2};
  EXPECT_FALSE(parse_summary(to_text(o)));
}

TEST(parse_summary, broken_rule_is_named_by_index) {
  auto o = summary_object();
  o["rules"].as_array()[1].as_object().erase("threshold");
  auto s = parse_summary(to_text(o));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "rules[1].threshold missing or not a number");
  o = summary_object();
  o["rules"].as_array()[0].as_object()["pass"] = "yes";
  s = parse_summary(to_text(o));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "rules[0].pass missing or not a boolean");
}

TEST(parse_timeseries, reads_columns_in_file_order_with_nulls) {
  const auto ts = parse_timeseries(to_text(timeseries_object()));
  ASSERT_TRUE(ts) << ts.error().message;
  EXPECT_EQ(ts->window_s, 1.0);
  const std::vector<std::string> columns = {"window",
                                            "start_s",
                                            "end_s",
                                            "resume_attempts",
                                            "resume_success_rate",
                                            "trim_rate",
                                            "deliver_latency_p95_ms"};
  EXPECT_EQ(ts->columns, columns);
  ASSERT_EQ(ts->rows.size(), 3u);
  const auto rate = ts->column("resume_success_rate");
  ASSERT_TRUE(rate);
  EXPECT_FALSE(ts->rows[0][*rate].has_value());
  EXPECT_EQ(ts->rows[1][*rate], 1.0);
  EXPECT_EQ(ts->rows[1][*ts->column("trim_rate")], 0.05);
  EXPECT_EQ(ts->rows[2][*ts->column("window")], 3);
  EXPECT_FALSE(ts->column("nope"));
}

TEST(parse_timeseries, refuses_wrong_schema_and_bad_rows) {
  auto o = timeseries_object();
  o["schema_version"] = 2;
  EXPECT_FALSE(parse_timeseries(to_text(o)));

  o = timeseries_object();
  o.erase("window_s");
  auto ts = parse_timeseries(to_text(o));
  ASSERT_FALSE(ts);
  EXPECT_EQ(ts.error().message, "window_s missing or not a positive number");

  o = timeseries_object();
  o["rows"].as_array()[1] = 7;
  ts = parse_timeseries(to_text(o));
  ASSERT_FALSE(ts);
  EXPECT_EQ(ts.error().message, "rows[1] is not an object");

  o = timeseries_object();
  o["rows"].as_array()[2].as_object()["trim_rate"] = "high";
  ts = parse_timeseries(to_text(o));
  ASSERT_FALSE(ts);
  EXPECT_EQ(ts.error().message, "rows[2].trim_rate is neither a number nor null");

  o = timeseries_object();
  o["rows"].as_array()[2].as_object().erase("trim_rate");
  ts = parse_timeseries(to_text(o));
  ASSERT_FALSE(ts);
  EXPECT_NE(ts.error().message.find("rows[2]"), std::string::npos);

  const std::string text = to_text(timeseries_object());
  EXPECT_FALSE(parse_timeseries(text.substr(0, text.size() - 3)));
}

}  // namespace
}  // namespace sse::dashboard
