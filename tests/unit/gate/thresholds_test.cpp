#include "load/gate/thresholds.hpp"

#include <gtest/gtest.h>

namespace sse::load {
namespace {

TEST(thresholds, checked_in_gate_file_holds_the_issue_defaults) {
  std::string message;
  auto t = load_thresholds(SSE_GATE_FILE, message);
  ASSERT_TRUE(t) << message;
  EXPECT_DOUBLE_EQ(t->window_min_resume_success_rate, 0.95);
  EXPECT_DOUBLE_EQ(t->window_max_trim_rate, 0.01);
  EXPECT_DOUBLE_EQ(t->max_resume_latency_ms, 15000);
  EXPECT_DOUBLE_EQ(t->run_min_resume_success_rate, 0.98);
  EXPECT_EQ(t->run_max_unannounced_losses, 0u);
  EXPECT_EQ(t->run_max_duplicates, 0u);
  EXPECT_EQ(t->run_max_reorders, 0u);
  EXPECT_DOUBLE_EQ(t->window_max_append_error_rate, 0.01);
  EXPECT_DOUBLE_EQ(t->run_min_appended_fraction, 0.5);
  EXPECT_DOUBLE_EQ(t->run_min_delivered_fraction, 0.25);
  EXPECT_DOUBLE_EQ(t->run_min_resume_attempts_fraction, 0.25);
}

TEST(thresholds, keys_override_defaults_and_doc_is_ignored) {
  std::string message;
  auto t =
      parse_thresholds(R"({"schema_version":1,"window_max_trim_rate":0.05,"run_max_duplicates":3,)"
                       R"("doc":{"anything":"goes"}})",
                       message);
  ASSERT_TRUE(t) << message;
  EXPECT_DOUBLE_EQ(t->window_max_trim_rate, 0.05);
  EXPECT_EQ(t->run_max_duplicates, 3u);
  EXPECT_DOUBLE_EQ(t->run_min_resume_success_rate, 0.98);
}

TEST(thresholds, bad_files_name_the_problem) {
  struct bad_case {
    const char* json;
    const char* message;
  };
  const bad_case cases[] = {
      {"[1]", "gate file is not a JSON object"},
      {"{not json", "gate file is not a JSON object"},
      {R"({"window_max_trim_rate":0.1})", "gate file: schema_version missing"},
      {R"({"schema_version":2})", "gate file: schema_version must be 1"},
      {R"({"schema_version":1,"window_max_trim":0.1})",
       "gate file: unknown key \"window_max_trim\""},
      {R"({"schema_version":1,"window_max_trim_rate":1.5})",
       "gate file: window_max_trim_rate must be a number in [0, 1]"},
      {R"({"schema_version":1,"run_min_appended_fraction":2})",
       "gate file: run_min_appended_fraction must be a number in [0, 1]"},
      {R"({"schema_version":1,"max_resume_latency_ms":"15s"})",
       "gate file: max_resume_latency_ms must be a number >= 0"},
      {R"({"schema_version":1,"run_max_reorders":-1})",
       "gate file: run_max_reorders must be an integer >= 0"},
      {R"({"schema_version":1,"run_max_reorders":0.5})",
       "gate file: run_max_reorders must be an integer >= 0"},
  };
  for (const auto& c : cases) {
    std::string message;
    auto t = parse_thresholds(c.json, message);
    EXPECT_FALSE(t) << c.json;
    EXPECT_EQ(message, c.message) << c.json;
  }
}

TEST(thresholds, missing_file_is_an_error) {
  std::string message;
  EXPECT_FALSE(load_thresholds("/nonexistent/gate.json", message));
  EXPECT_EQ(message, "cannot read gate file /nonexistent/gate.json");
}

}  // namespace
}  // namespace sse::load
