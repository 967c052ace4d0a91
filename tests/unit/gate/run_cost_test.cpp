// The cost figures of a gate run: CPU per million deliveries per process and the
// gateway's RSS growth per open connection, from start and end readings.

#include "load/gate/run_cost.hpp"

#include <gtest/gtest.h>

namespace sse::load {
namespace {

TEST(run_cost, cpu_per_million_deliveries_and_rss_per_connection) {
  const interval_readings gateway{usage_reading{1.5, 10'000'000}, usage_reading{5.5, 22'000'000}};
  const interval_readings redis{usage_reading{0.25, 8'000'000}, usage_reading{1.25, 9'000'000}};
  const run_cost c = compute_run_cost(gateway, redis, 20.0, 2'000'000, 1000);
  EXPECT_DOUBLE_EQ(c.interval_s, 20.0);
  EXPECT_EQ(c.deliveries, 2'000'000u);
  EXPECT_DOUBLE_EQ(c.gateway_cpu_seconds.value(), 4.0);
  EXPECT_DOUBLE_EQ(c.redis_cpu_seconds.value(), 1.0);
  EXPECT_DOUBLE_EQ(c.gateway_cpu_per_million.value(), 2.0);
  EXPECT_DOUBLE_EQ(c.redis_cpu_per_million.value(), 0.5);
  EXPECT_EQ(c.gateway_rss_start_bytes.value(), 10'000'000u);
  EXPECT_EQ(c.gateway_rss_end_bytes.value(), 22'000'000u);
  EXPECT_EQ(c.peak_open_connections, 1000u);
  EXPECT_DOUBLE_EQ(c.rss_bytes_per_connection.value(), 12'000.0);
}

TEST(run_cost, unknown_processes_leave_their_figures_out) {
  // An external target: the tool knows neither pid.
  const run_cost c = compute_run_cost({}, {}, 10.0, 1000, 50);
  EXPECT_FALSE(c.gateway_cpu_seconds);
  EXPECT_FALSE(c.redis_cpu_seconds);
  EXPECT_FALSE(c.gateway_cpu_per_million);
  EXPECT_FALSE(c.redis_cpu_per_million);
  EXPECT_FALSE(c.gateway_rss_start_bytes);
  EXPECT_FALSE(c.rss_bytes_per_connection);
  EXPECT_EQ(c.deliveries, 1000u);

  // The memory store: a gateway and no redis-server; a process gone before the end (no end
  // reading) has no figure either.
  const interval_readings gateway{usage_reading{1, 100}, usage_reading{2, 300}};
  const interval_readings gone{usage_reading{1, 100}, std::nullopt};
  const run_cost m = compute_run_cost(gateway, gone, 10.0, 1000, 50);
  EXPECT_DOUBLE_EQ(m.gateway_cpu_per_million.value(), 1000.0);
  EXPECT_FALSE(m.redis_cpu_seconds);
  EXPECT_FALSE(m.redis_cpu_per_million);
  EXPECT_DOUBLE_EQ(m.rss_bytes_per_connection.value(), 4.0);
}

TEST(run_cost, nothing_delivered_or_no_connection_means_no_ratio) {
  const interval_readings gateway{usage_reading{1, 1000}, usage_reading{2, 500}};
  const run_cost none = compute_run_cost(gateway, {}, 10.0, 0, 0);
  EXPECT_DOUBLE_EQ(none.gateway_cpu_seconds.value(), 1.0);
  EXPECT_FALSE(none.gateway_cpu_per_million) << "no division by zero deliveries";
  EXPECT_FALSE(none.rss_bytes_per_connection) << "no division by zero connections";
  // Memory given back is a negative growth, reported as such rather than wrapped around.
  const run_cost shrunk = compute_run_cost(gateway, {}, 10.0, 10, 100);
  EXPECT_DOUBLE_EQ(shrunk.rss_bytes_per_connection.value(), -5.0);
}

}  // namespace
}  // namespace sse::load
