// The dashboard's data model for trends: which runs share a trend line (same store, same
// load), and runs that never ran (setup_error) kept off the trends and out of baselines.
#include <gtest/gtest.h>

#include "dashboard/artifact_parser.hpp"
#include "dashboard/run_setup.hpp"
#include "dashboard/trends.hpp"
#include "sample_artifacts.hpp"

namespace sse::dashboard {
namespace {

using testing::sample_run;

run_record record(const sample_run& s, std::string id) {
  run_record r;
  r.id = std::move(id);
  r.summary = parse_summary(testing::to_text(testing::summary_object(s))).value();
  r.series = parse_timeseries(testing::to_text(testing::timeseries_object(s))).value();
  return r;
}

/// Runs a day apart, numbered run0, run1, ... in the order given.
std::vector<run_record> runs_of(std::vector<sample_run> samples) {
  std::vector<run_record> runs;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i].date =
        "2026-03-" + std::string(i + 1 < 10 ? "0" : "") + std::to_string(i + 1) + "T10:00:00Z";
    samples[i].commit = "c" + std::to_string(i) + "ffffffffffff";
    runs.push_back(record(samples[i], "run" + std::to_string(i)));
  }
  return runs;
}

sample_run on(std::string store, double rate, double p95_ms = 2.5) {
  sample_run s;
  s.store = std::move(store);
  s.rate = rate;
  s.p95_ms = p95_ms;
  return s;
}

sample_run never_ran() {
  sample_run s;
  s.setup_error = "gateway (pid 42) exited with status 137 at 1.5 s into the run";
  s.verdict = "fail";
  s.delivered_per_s = 0;
  s.p95_ms = 900;
  return s;
}

const metric_trend& trend(const trend_group& g, const std::string& metric) {
  for (const metric_trend& t : g.trends) {
    if (t.metric->id == metric) {
      return t;
    }
  }
  throw std::runtime_error("no trend " + metric);
}

TEST(run_setup, store_and_load_come_from_the_configuration) {
  const run_setup s = setup_of(record(on("redis", 400), "r").summary);
  EXPECT_EQ(s.store, "redis");
  EXPECT_EQ(s.load, "8 streams, 40 subscribers, 400 events/s, 3 s");
  EXPECT_EQ(setup_text(s), "redis store, 8 streams, 40 subscribers, 400 events/s, 3 s");
  EXPECT_EQ(setup_of(record(on("memory", 100.5), "m").summary).load,
            "8 streams, 40 subscribers, 100.5 events/s, 3 s");
}

TEST(run_setup, nchan_and_unknown_setups) {
  auto nchan = testing::summary_object(on("redis", 400));
  nchan["configuration"].as_object()["target_kind"] = "nchan";
  EXPECT_EQ(setup_of(parse_summary(testing::to_text(nchan)).value()).store, "nchan");
  auto bare = testing::summary_object();
  bare.erase("configuration");
  const run_setup s = setup_of(parse_summary(testing::to_text(bare)).value());
  EXPECT_EQ(s.store, "unknown store");
  EXPECT_EQ(s.load, "unknown load");
  EXPECT_EQ(setup_text(s), "unknown store, unknown load");
}

TEST(trend_groups, runs_on_different_stores_or_loads_are_separate_trends) {
  const auto runs = runs_of({on("memory", 400), on("redis", 400), on("memory", 400),
                             on("memory", 100), on("redis", 400), on("memory", 400)});
  const auto groups = compute_trend_groups(runs, {});
  ASSERT_EQ(groups.size(), 3u);
  // The group of the most recent run first.
  EXPECT_EQ(groups[0].setup.store, "memory");
  EXPECT_EQ(groups[0].setup.load, "8 streams, 40 subscribers, 400 events/s, 3 s");
  EXPECT_EQ(groups[0].runs, (std::vector<std::size_t>{0, 2, 5}));
  EXPECT_EQ(groups[1].setup.store, "redis");
  EXPECT_EQ(groups[1].runs, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(groups[2].setup.store, "memory");
  EXPECT_EQ(groups[2].setup.load, "8 streams, 40 subscribers, 100 events/s, 3 s");
  EXPECT_EQ(groups[2].runs, (std::vector<std::size_t>{3}));
  for (const trend_group& g : groups) {
    ASSERT_EQ(g.trends.size(), trend_metrics().size());
    for (const metric_trend& t : g.trends) {
      EXPECT_EQ(t.values.size(), g.runs.size()) << t.metric->id;
      EXPECT_EQ(t.checks.size(), g.runs.size()) << t.metric->id;
    }
  }
}

TEST(trend_groups, a_run_is_compared_only_with_runs_of_its_own_setup) {
  // Five fast memory runs, then a slow redis run: slower, but a different setup, so no flag.
  // Then a slow memory run: flagged against the memory runs only.
  const auto runs =
      runs_of({on("memory", 400), on("memory", 400), on("memory", 400), on("memory", 400),
               on("memory", 400), on("redis", 400, 10.0), on("memory", 400, 10.0)});
  const auto groups = compute_trend_groups(runs, {0.10, 5});
  const auto flags = regression_flags(groups);
  ASSERT_EQ(flags.size(), 2u) << "p95 and p99 of run6";
  EXPECT_EQ(flags[0].run, 6u) << "indexes into the history, not into the group";
  EXPECT_EQ(flags[0].metric->id, "deliver_p95");
  EXPECT_EQ(flags[0].baseline, 2.5);
  EXPECT_EQ(flags[1].metric->id, "deliver_p99");
  // Mixed in one line (as before), the redis run would have been flagged.
  for (const trend_group& g : groups) {
    if (g.setup.store == "redis") {
      EXPECT_FALSE(trend(g, "deliver_p95").checks[0].regression);
      EXPECT_FALSE(trend(g, "deliver_p95").checks[0].baseline.has_value());
    }
  }
}

TEST(trend_groups, setup_error_runs_are_on_no_trend_and_in_no_baseline) {
  // A run that never ran sits between healthy ones: it is no point, flags nothing, and its
  // 0 events/s does not drag the baseline down.
  std::vector<sample_run> samples(6, on("memory", 400));
  samples.insert(samples.begin() + 3, never_ran());
  samples.push_back(on("memory", 400));
  samples.back().delivered_per_s = 1400;  // within the 10 % margin of 1500
  const auto runs = runs_of(samples);
  ASSERT_TRUE(runs[3].summary.setup_error);
  EXPECT_EQ(setup_error_runs(runs), (std::vector<std::size_t>{3}));
  const auto groups = compute_trend_groups(runs, {0.10, 5});
  ASSERT_EQ(groups.size(), 1u) << "the setup-error run forms no group of its own";
  EXPECT_EQ(groups[0].runs, (std::vector<std::size_t>{0, 1, 2, 4, 5, 6, 7}));
  const metric_trend& delivered = trend(groups[0], "delivered_per_s");
  ASSERT_TRUE(delivered.checks.back().baseline);
  EXPECT_EQ(*delivered.checks.back().baseline, 1500);
  EXPECT_TRUE(regression_flags(groups).empty());
}

TEST(trend_groups, only_setup_errors_make_no_group) {
  const auto runs = runs_of({never_ran(), never_ran()});
  EXPECT_TRUE(compute_trend_groups(runs, {}).empty());
  EXPECT_EQ(setup_error_runs(runs), (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace sse::dashboard
