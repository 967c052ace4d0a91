// Clamped time arithmetic with the values clients send: JWT `exp` of year 3000, 9999-12-31 and
// INT64_MAX ("never"), TTLs of centuries. The asan preset runs these under UBSan with
// -fno-sanitize-recover=undefined, so a signed overflow here fails the suite.

#include "core/saturate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

#include "core/clock.hpp"

namespace sse::core {
namespace {

using namespace std::chrono_literals;
using sys = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

constexpr std::int64_t year_3000 = 32503680000;     // 3000-01-01T00:00:00Z
constexpr std::int64_t end_of_9999 = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

TEST(saturate, add_clamps_at_both_ends) {
  EXPECT_EQ(saturating_add(1, 2), 3);
  EXPECT_EQ(saturating_add(int64_max, 30), int64_max);
  EXPECT_EQ(saturating_add(int64_min, -30), int64_min);
  EXPECT_EQ(saturating_add(int64_max, -1), int64_max - 1);
  EXPECT_EQ(saturating_add(year_3000, 30), year_3000 + 30);
}

TEST(saturate, unix_seconds_within_range_are_exact) {
  EXPECT_EQ(to_unix_ms(from_unix_seconds(1'790'000'000)), 1'790'000'000'000);
  EXPECT_EQ(to_unix_ms(from_unix_seconds(0)), 0);
  EXPECT_EQ(to_unix_ms(from_unix_seconds(-86400)), -86'400'000);
}

TEST(saturate, unix_seconds_past_2262_are_the_far_future_not_the_past) {
  const auto now = sys::now();
  for (std::int64_t exp : {year_3000, end_of_9999, int64_max}) {
    const auto t = from_unix_seconds(exp);
    EXPECT_EQ(t, sys::time_point::max()) << exp;
    EXPECT_GT(t, now) << exp;
  }
  EXPECT_EQ(from_unix_seconds(int64_min), sys::time_point::min());
}

TEST(saturate, duration_cast_to_finer_ticks_clamps) {
  EXPECT_EQ(saturating_duration_cast<std::chrono::nanoseconds>(std::chrono::seconds(year_3000)),
            std::chrono::nanoseconds::max());
  EXPECT_EQ(saturating_duration_cast<std::chrono::nanoseconds>(std::chrono::seconds(-year_3000)),
            std::chrono::nanoseconds::min());
  EXPECT_EQ(saturating_duration_cast<std::chrono::milliseconds>(std::chrono::seconds(7)), 7000ms);
  EXPECT_EQ(saturating_duration_cast<std::chrono::seconds>(std::chrono::milliseconds(7999)), 7s);
}

TEST(saturate, a_deadline_centuries_away_stays_in_the_future) {
  // What the SSE subscription does with a token valid until the clamp (year 2262).
  const auto remaining = from_unix_seconds(end_of_9999) - sys::now();
  const auto start = steady::now();
  const auto deadline = saturating_add(start, remaining);
  EXPECT_GT(deadline, start + std::chrono::hours(24 * 365 * 200));
  // And TTLs: ttl_seconds of 7.4e9 or more, and the largest milliseconds.
  const auto now = sys::now();
  EXPECT_GT(saturating_add(now, std::chrono::seconds(7'400'000'000)), now);
  EXPECT_GT(saturating_add(now, std::chrono::seconds(int64_max)), now);
  EXPECT_EQ(saturating_add(now, std::chrono::milliseconds::max()), sys::time_point::max());
  EXPECT_EQ(saturating_add(now, std::chrono::milliseconds::min()), sys::time_point::min());
  EXPECT_EQ(saturating_add(now, 1500ms), now + 1500ms);
}

}  // namespace
}  // namespace sse::core
