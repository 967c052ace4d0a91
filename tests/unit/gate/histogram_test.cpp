#include "load/gate/histogram.hpp"

#include <gtest/gtest.h>

#include <random>

namespace sse::load {
namespace {

TEST(latency_histogram, empty_reports_zero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
}

TEST(latency_histogram, small_values_are_exact_nearest_rank) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) {
    h.record(v);
  }
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(95), 95u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.percentile(0.1), 1u);  // rank is at least 1
}

TEST(latency_histogram, rank_rounds_up) {
  latency_histogram h;
  h.record(10);
  h.record(20);
  h.record(30);
  // ceil(0.5 * 3) = 2nd smallest.
  EXPECT_EQ(h.percentile(50), 20u);
  // ceil(0.95 * 3) = 3rd.
  EXPECT_EQ(h.percentile(95), 30u);
}

TEST(latency_histogram, representable_large_values_are_exact) {
  for (std::uint64_t v : {256ull, 1000ull, 2000ull, 4000ull, 51'200ull, 409'600ull}) {
    EXPECT_EQ(latency_histogram::lower_bound_of(latency_histogram::bucket_of(v)), v) << v;
  }
  // 1001 shares 1000's bucket (width 4 between 512 and 1023).
  EXPECT_EQ(latency_histogram::bucket_of(1001), latency_histogram::bucket_of(1000));
  EXPECT_EQ(latency_histogram::lower_bound_of(latency_histogram::bucket_of(1003)), 1000u);
  EXPECT_EQ(latency_histogram::lower_bound_of(latency_histogram::bucket_of(1004)), 1004u);
  // 15 s is reported 0.4% low: 14,942,208 = 228 << 16.
  EXPECT_EQ(latency_histogram::lower_bound_of(latency_histogram::bucket_of(15'000'000)),
            14'942'208u);
}

TEST(latency_histogram, relative_error_below_one_percent) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> dist(1, 1ull << 39);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = dist(rng);
    const std::uint64_t low = latency_histogram::lower_bound_of(latency_histogram::bucket_of(v));
    ASSERT_LE(low, v);
    ASSERT_LT(static_cast<double>(v - low), static_cast<double>(v) / 128.0 + 1.0) << v;
  }
}

TEST(latency_histogram, buckets_are_monotonic) {
  std::size_t previous = 0;
  for (std::uint64_t v = 0; v < 100000; v += 7) {
    const std::size_t b = latency_histogram::bucket_of(v);
    ASSERT_GE(b, previous);
    previous = b;
  }
}

TEST(latency_histogram, huge_values_are_clamped_but_max_exact) {
  latency_histogram h;
  h.record(~0ull);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), ~0ull);
  EXPECT_GT(h.percentile(50), 1ull << 40);
}

TEST(latency_histogram, merge_and_clear) {
  latency_histogram a;
  latency_histogram b;
  for (int i = 0; i < 90; ++i) {
    a.record(1000);
  }
  for (int i = 0; i < 10; ++i) {
    b.record(4000);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.max(), 4000u);
  EXPECT_EQ(a.percentile(90), 1000u);
  EXPECT_EQ(a.percentile(91), 4000u);
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(50), 0u);
}

}  // namespace
}  // namespace sse::load
