// src/auth/limits: counted keys (connections per IP, subscribers per stream) and the append
// token bucket, with time passed in.

#include "auth/limits.hpp"

#include <gtest/gtest.h>

namespace sse::auth {
namespace {

using namespace std::chrono_literals;

TEST(counted_keys, caps_each_key_and_forgets_released_ones) {
  counted_keys k(2);
  EXPECT_TRUE(k.try_acquire("1.2.3.4"));
  EXPECT_TRUE(k.try_acquire("1.2.3.4"));
  EXPECT_FALSE(k.try_acquire("1.2.3.4"));
  EXPECT_TRUE(k.try_acquire("5.6.7.8")) << "keys are independent";
  EXPECT_EQ(k.count("1.2.3.4"), 2u);
  k.release("1.2.3.4");
  EXPECT_TRUE(k.try_acquire("1.2.3.4"));
  k.release("1.2.3.4");
  k.release("1.2.3.4");
  k.release("1.2.3.4");  // more releases than holders: ignored
  EXPECT_EQ(k.count("1.2.3.4"), 0u);
}

TEST(counted_keys, zero_is_unlimited_and_holds_release_on_destruction) {
  counted_keys unlimited(0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(unlimited.try_acquire("k"));
  }
  counted_keys k(1);
  {
    ASSERT_TRUE(k.try_acquire("s"));
    counted_hold h(&k, "s");
    EXPECT_FALSE(k.try_acquire("s"));
    counted_hold moved(std::move(h));
    EXPECT_EQ(k.count("s"), 1u);
  }
  EXPECT_EQ(k.count("s"), 0u);
}

TEST(rate_limiter, burst_then_rate_with_retry_after) {
  rate_limiter r(2.0, 3.0);  // 2 per second, 3 at once
  const auto t0 = rate_limiter::clock::time_point{} + 100s;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(r.try_take("ip", t0)) << i;
  }
  auto wait = r.try_take("ip", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1s);
  EXPECT_FALSE(r.try_take("other", t0)) << "another address has its own bucket";
  EXPECT_FALSE(r.try_take("ip", t0 + 500ms)) << "one token after half a second";
  EXPECT_TRUE(r.try_take("ip", t0 + 500ms));
  EXPECT_FALSE(r.try_take("ip", t0 + 10s));
  EXPECT_FALSE(r.try_take("ip", t0 + 10s));
  EXPECT_FALSE(r.try_take("ip", t0 + 10s));
  EXPECT_TRUE(r.try_take("ip", t0 + 10s)) << "never more than the burst saved up";
}

TEST(rate_limiter, slow_rates_ask_to_wait_longer_and_zero_is_unlimited) {
  rate_limiter slow(0.1, 1.0);
  const auto t0 = rate_limiter::clock::time_point{} + 100s;
  EXPECT_FALSE(slow.try_take("a", t0));
  auto wait = slow.try_take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10s);
  rate_limiter off(0, 0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(off.try_take("a", t0));
  }
}

TEST(rate_limiter, idle_buckets_are_pruned) {
  rate_limiter r(100.0, 1.0);
  const auto t0 = rate_limiter::clock::time_point{} + 100s;
  for (int i = 0; i < 2000; ++i) {
    r.try_take("ip" + std::to_string(i), t0 + i * 20ms);  // each is full 10 ms later
  }
  EXPECT_LT(r.tracked(), 2000u);
  for (int i = 0; i < 1100; ++i) {
    r.try_take("late" + std::to_string(i % 3), t0 + 60s);
  }
  EXPECT_LE(r.tracked(), 1100u) << "buckets full again were dropped";
}

}  // namespace
}  // namespace sse::auth
