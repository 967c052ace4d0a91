// The injected clocks (core/clock.hpp): the manual ones move only when told, the steady one
// never goes back.

#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace sse::core {
namespace {

using namespace std::chrono_literals;

TEST(manual_clock, moves_only_when_advanced) {
  manual_clock c;
  const auto t0 = c.now();
  EXPECT_EQ(c.now(), t0);
  c.advance(90s);
  EXPECT_EQ(c.now() - t0, 90s);
}

TEST(manual_steady_clock, moves_only_forward_and_only_when_advanced) {
  manual_steady_clock c;
  const auto t0 = c.now();
  EXPECT_EQ(c.now(), t0);
  EXPECT_GE(t0.time_since_epoch(), 1h) << "room to subtract in a test";
  c.advance(250ms);
  c.advance(2h);
  EXPECT_EQ(c.now() - t0, 2h + 250ms);
  c.advance(-1s);
  EXPECT_EQ(c.now() - t0, 2h + 250ms) << "monotonic time never goes back";
}

TEST(steady_clock, never_goes_back) {
  steady_clock c;
  const monotonic_clock& injected = c;
  auto previous = injected.now();
  for (int i = 0; i < 1000; ++i) {
    const auto t = injected.now();
    EXPECT_GE(t, previous);
    previous = t;
  }
}

}  // namespace
}  // namespace sse::core
