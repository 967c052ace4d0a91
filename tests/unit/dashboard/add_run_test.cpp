#include "dashboard/add_run.hpp"

#include <gtest/gtest.h>

#include "dashboard/history.hpp"
#include "sample_artifacts.hpp"

namespace sse::dashboard {
namespace {

namespace fs = std::filesystem;
using testing::temp_folder;

TEST(add_run, copies_the_artifacts_under_the_run_id) {
  temp_folder result;
  temp_folder base;
  testing::write_run(result.path());
  testing::write_file(result.path() / "timeseries.csv", "window\n");
  testing::write_file(result.path() / "run" / "gateway.log", "log");
  const fs::path history_dir = base.path() / "history";  // created by add
  const auto added = add_run(history_dir, result.path(), false);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->id, "20260301T100000Z_01234567");
  EXPECT_FALSE(added->replaced);
  EXPECT_EQ(added->destination, history_dir / added->id);
  EXPECT_TRUE(fs::exists(added->destination / "summary.json"));
  EXPECT_TRUE(fs::exists(added->destination / "timeseries.json"));
  EXPECT_TRUE(fs::exists(added->destination / "timeseries.csv"));
  EXPECT_FALSE(fs::exists(added->destination / "run")) << "logs stay out of the history";
  const auto h = load_history(history_dir);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->runs.size(), 1u);
  EXPECT_TRUE(h->skipped.empty());
}

TEST(add_run, refuses_a_duplicate_unless_forced) {
  temp_folder result;
  temp_folder history_dir;
  testing::write_run(result.path());
  ASSERT_TRUE(add_run(history_dir.path(), result.path(), false));
  const auto again = add_run(history_dir.path(), result.path(), false);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already in"), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("--force"), std::string::npos);
  const auto forced = add_run(history_dir.path(), result.path(), true);
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_TRUE(forced->replaced);
  const auto h = load_history(history_dir.path());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->runs.size(), 1u);
}

TEST(add_run, refuses_an_unreadable_result_and_leaves_nothing_behind) {
  temp_folder result;
  temp_folder history_dir;
  auto newer = testing::summary_object();
  newer["schema_version"] = 3;
  testing::write_file(result.path() / "summary.json", testing::to_text(newer));
  testing::write_file(result.path() / "timeseries.json",
                      testing::to_text(testing::timeseries_object()));
  const auto added = add_run(history_dir.path(), result.path(), false);
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find((result.path() / "summary.json").string()),
            std::string::npos)
      << added.error().message;
  EXPECT_NE(added.error().message.find("schema_version 3"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(history_dir.path()));

  temp_folder partial;
  testing::write_file(partial.path() / "summary.json", testing::to_text(testing::summary_object()));
  const auto incomplete = add_run(history_dir.path(), partial.path(), false);
  ASSERT_FALSE(incomplete);
  EXPECT_NE(incomplete.error().message.find("timeseries.json: missing"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(history_dir.path()));
}

}  // namespace
}  // namespace sse::dashboard
