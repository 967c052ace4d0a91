#include "dashboard/regression.hpp"

#include <gtest/gtest.h>

namespace sse::dashboard {
namespace {

using series = std::vector<std::optional<double>>;

std::vector<bool> flags(const series& values, worse_when worse, double floor = 0,
                        regression_options o = {}) {
  std::vector<bool> out;
  for (const auto& c : detect_regressions(values, worse, floor, o)) {
    out.push_back(c.regression);
  }
  return out;
}

TEST(median, odd_even_and_unsorted) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({7}), 7);
}

TEST(regression, higher_is_worse_flags_only_beyond_the_margin) {
  // Baseline of five: median 10. 11 is exactly +10 % (not more), 11.5 is +15 %.
  const series values = {10, 9, 10, 11, 10, 11, 11.5, 8};
  regression_options o{0.10, 5};
  const auto checks = detect_regressions(values, worse_when::higher, 0, o);
  ASSERT_EQ(checks.size(), values.size());
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_FALSE(checks[i].baseline.has_value()) << i;
    EXPECT_FALSE(checks[i].regression) << i;
  }
  EXPECT_EQ(checks[5].baseline, 10);
  EXPECT_FALSE(checks[5].regression);
  EXPECT_EQ(checks[6].baseline, 10);  // {9,10,11,10,11}
  EXPECT_TRUE(checks[6].regression);
  EXPECT_EQ(checks[7].baseline, 11);  // {10,11,10,11,11.5}
  EXPECT_FALSE(checks[7].regression) << "better is never a regression";
}

TEST(regression, lower_is_worse) {
  const series values = {100, 100, 100, 89, 91, 120};
  EXPECT_EQ(flags(values, worse_when::lower, 0, {0.10, 3}),
            (std::vector<bool>{false, false, false, true, false, false}));
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.10, 3}),
            (std::vector<bool>{false, false, false, false, false, true}));
}

TEST(regression, margin_and_baseline_length_are_configurable) {
  const series values = {10, 10, 10, 10, 10, 13};
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.25, 5}).back(), true);
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.50, 5}).back(), false);
  // With a baseline of 6 runs, the sixth run has only five before it: never flagged.
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.10, 6}).back(), false);
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.10, 1}),
            (std::vector<bool>{false, false, false, false, false, true}));
}

TEST(regression, missing_values_are_skipped_and_left_out_of_baselines) {
  const series values = {10, std::nullopt, 10, 10, std::nullopt, 20};
  const auto checks = detect_regressions(values, worse_when::higher, 0, {0.10, 3});
  EXPECT_FALSE(checks[1].regression);
  EXPECT_FALSE(checks[1].baseline.has_value());
  EXPECT_FALSE(checks[4].baseline.has_value());
  EXPECT_EQ(checks[5].baseline, 10);
  EXPECT_TRUE(checks[5].regression);
}

TEST(regression, noise_floor_guards_a_zero_baseline) {
  // A trim rate that was 0 for five runs: 0.0005 is within the floor, 0.002 is not.
  const series values = {0, 0, 0, 0, 0, 0.0005, 0.002};
  EXPECT_EQ(flags(values, worse_when::higher, 0.001, {0.10, 5}),
            (std::vector<bool>{false, false, false, false, false, false, true}));
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.10, 5}),
            (std::vector<bool>{false, false, false, false, false, true, true}));
}

TEST(regression, baseline_slides_over_the_last_n_runs) {
  // A slow creep: each run 5 % worse than the one before. Against the median of the last
  // three (two steps back), each is about 10.25 % worse: flagged from run 4 on.
  series values;
  double v = 100;
  for (int i = 0; i < 8; ++i) {
    values.push_back(v);
    v *= 1.05;
  }
  EXPECT_EQ(flags(values, worse_when::higher, 0, {0.10, 3}),
            (std::vector<bool>{false, false, false, true, true, true, true, true}));
}

TEST(regression, empty_and_short_series) {
  EXPECT_TRUE(detect_regressions({}, worse_when::higher, 0, {}).empty());
  EXPECT_EQ(flags({5, 50}, worse_when::higher), (std::vector<bool>{false, false}));
}

}  // namespace
}  // namespace sse::dashboard
