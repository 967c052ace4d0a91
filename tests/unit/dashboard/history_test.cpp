#include "dashboard/history.hpp"

#include <gtest/gtest.h>

#include "sample_artifacts.hpp"

namespace sse::dashboard {
namespace {

using testing::sample_run;
using testing::temp_folder;
using testing::to_text;
using testing::write_file;
using testing::write_run;

sample_run run_at(std::string date, std::string commit) {
  sample_run r;
  r.date = std::move(date);
  r.commit = std::move(commit);
  return r;
}

TEST(history, loads_runs_ordered_by_date_whatever_the_folder_names) {
  temp_folder dir;
  write_run(dir.path() / "c", run_at("2026-03-01T10:00:00Z", "aaaa"));
  write_run(dir.path() / "a", run_at("2026-03-03T10:00:00Z", "bbbb"));
  write_run(dir.path() / "b", run_at("2026-03-02T10:00:00Z", "cccc"));
  const auto h = load_history(dir.path());
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_EQ(h->runs.size(), 3u);
  EXPECT_TRUE(h->skipped.empty());
  EXPECT_EQ(h->runs[0].id, "c");
  EXPECT_EQ(h->runs[1].id, "b");
  EXPECT_EQ(h->runs[2].id, "a");
  EXPECT_EQ(h->runs[2].summary.commit, "bbbb");
  EXPECT_EQ(h->runs[0].series.rows.size(), 3u);
}

TEST(history, bad_runs_are_skipped_by_name_and_the_rest_loads) {
  temp_folder dir;
  write_run(dir.path() / "good1", run_at("2026-03-01T10:00:00Z", "aaaa"));
  write_run(dir.path() / "good2", run_at("2026-03-02T10:00:00Z", "bbbb"));
  // Malformed: a summary cut in the middle (a run killed while writing).
  const std::string text = to_text(testing::summary_object());
  write_file(dir.path() / "malformed" / "summary.json", text.substr(0, 40));
  write_file(dir.path() / "malformed" / "timeseries.json", to_text(testing::timeseries_object()));
  // Partial: the summary and no time series.
  write_file(dir.path() / "partial" / "summary.json", text);
  // Newer schema.
  auto newer = testing::summary_object();
  newer["schema_version"] = 2;
  write_file(dir.path() / "newer" / "summary.json", to_text(newer));
  write_file(dir.path() / "newer" / "timeseries.json", to_text(testing::timeseries_object()));
  // Older schema: a time series without schema_version.
  write_file(dir.path() / "older" / "summary.json", text);
  auto older = testing::timeseries_object();
  older.erase("schema_version");
  write_file(dir.path() / "older" / "timeseries.json", to_text(older));
  // Not runs: a hidden folder and a plain file.
  write_file(dir.path() / ".cache" / "x", "x");
  write_file(dir.path() / "README", "notes");

  const auto h = load_history(dir.path());
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_EQ(h->runs.size(), 2u);
  EXPECT_EQ(h->runs[0].id, "good1");
  EXPECT_EQ(h->runs[1].id, "good2");
  ASSERT_EQ(h->skipped.size(), 4u);
  EXPECT_EQ(h->skipped[0].name, "malformed/summary.json");
  EXPECT_NE(h->skipped[0].reason.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(h->skipped[1].name, "newer/summary.json");
  EXPECT_EQ(h->skipped[1].reason, "schema_version 2 is not supported (this dashboard reads 1)");
  EXPECT_EQ(h->skipped[2].name, "older/timeseries.json");
  EXPECT_NE(h->skipped[2].reason.find("no schema_version"), std::string::npos);
  EXPECT_EQ(h->skipped[3].name, "partial/timeseries.json");
  EXPECT_EQ(h->skipped[3].reason, "missing (partial run?)");
}

TEST(history, missing_folder_is_a_problem) {
  temp_folder dir;
  const auto h = load_history(dir.path() / "nope");
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("nope"), std::string::npos);
}

TEST(history, empty_folder_has_no_runs) {
  temp_folder dir;
  const auto h = load_history(dir.path());
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->runs.empty());
  EXPECT_TRUE(h->skipped.empty());
}

TEST(history, artifacts_are_the_run_folders_safe_files) {
  temp_folder dir;
  write_run(dir.path() / "r");
  write_file(dir.path() / "r" / "timeseries.csv", "window\n1\n");
  write_file(dir.path() / "r" / "run" / "gateway.log", "log");
  write_file(dir.path() / "r" / "odd name.txt", "x");
  const auto run = load_run(dir.path() / "r", "r");
  ASSERT_TRUE(run) << run.error().message;
  const std::vector<std::string> expected = {"summary.json", "timeseries.csv", "timeseries.json"};
  EXPECT_EQ(run->artifacts, expected);
}

TEST(run_id, date_and_short_commit) {
  run_summary s;
  s.date = "2026-03-01T10:02:47Z";
  s.commit = "0123456789abcdef";
  EXPECT_EQ(make_run_id(s), "20260301T100247Z_01234567");
  s.commit.reset();
  EXPECT_EQ(make_run_id(s), "20260301T100247Z_nocommit");
  s.date = "2026-03-01T10:02:47.123Z";
  s.commit = "ab/../cd";
  EXPECT_EQ(make_run_id(s), "20260301T100247.123Z_ab_.._cd");
}

TEST(safe_name, keeps_only_url_and_file_safe_characters) {
  EXPECT_EQ(safe_name("abc-1.2_X"), "abc-1.2_X");
  EXPECT_EQ(safe_name("a b/c<d>"), "a_b_c_d_");
  EXPECT_EQ(safe_name(""), "_");
  EXPECT_EQ(safe_name(".."), "_..");
}

}  // namespace
}  // namespace sse::dashboard
