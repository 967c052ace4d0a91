// The bound on bytes an HTTP/2 connection holds across its streams (src/http/h2/queue_budget):
// pure, no socket, time passed in.

#include <gtest/gtest.h>

#include "http/h2/queue_budget.hpp"

namespace sse::http::h2 {
namespace {

using namespace std::chrono_literals;
using time_point = queue_budget::time_point;

const time_point t0{};
constexpr auto grace = 1s;

std::vector<std::int32_t> ids(const std::vector<queue_budget::holder>& hs) {
  std::vector<std::int32_t> out;
  for (const auto& h : hs) {
    out.push_back(h.stream);
  }
  return out;
}

TEST(h2_queue_budget, the_total_follows_what_each_stream_holds_now) {
  queue_budget b(100, grace);
  b.hold(1, 30, t0);
  b.hold(3, 50, t0);
  b.hold(1, 10, t0);  // it sent some
  EXPECT_EQ(b.total(), 60u);
  b.hold(3, 0, t0);  // its write completed
  b.hold(5, 0, t0);  // never held anything
  EXPECT_EQ(b.total(), 10u);
  EXPECT_FALSE(b.over());
  EXPECT_TRUE(b.over_limit(t0 + 1h).empty());
  EXPECT_FALSE(b.next_stall(t0));
}

TEST(h2_queue_budget, within_the_bound_nothing_is_reset_even_at_the_bound_exactly) {
  queue_budget b(100, grace);
  b.hold(1, 60, t0);
  b.hold(3, 40, t0);
  EXPECT_TRUE(b.over_limit(t0 + 1h).empty());
}

TEST(h2_queue_budget, over_the_bound_the_largest_stalled_holders_go_until_the_rest_fits) {
  queue_budget b(100, grace);
  b.hold(1, 5, t0);
  b.hold(3, 70, t0);
  b.hold(5, 60, t0);
  b.hold(7, 20, t0);
  const auto out = b.over_limit(t0 + grace);
  // 155 held: dropping 3 leaves 85, within the bound; 1, 5 and 7 stay.
  ASSERT_EQ(ids(out), (std::vector<std::int32_t>{3}));
  EXPECT_EQ(out[0].bytes, 70u);
  b.hold(9, 60, t0);  // 215: 3 (70), then 9 (60, newer than 5) leave 85
  EXPECT_EQ(ids(b.over_limit(t0 + grace)), (std::vector<std::int32_t>{3, 9}));
}

TEST(h2_queue_budget, a_stream_that_makes_progress_is_not_stalled_and_is_never_chosen) {
  queue_budget b(100, grace);
  b.hold(1, 80, t0);  // a reader waiting for its WINDOW_UPDATE
  b.hold(3, 80, t0);  // a reader that stopped
  EXPECT_TRUE(b.over_limit(t0 + 500ms).empty()) << "nothing has stalled yet";
  EXPECT_EQ(b.next_stall(t0 + 500ms), t0 + grace);
  b.hold(1, 70, t0 + 900ms);  // its window opened: nghttp2 took 10 bytes
  EXPECT_EQ(ids(b.over_limit(t0 + grace)), (std::vector<std::int32_t>{3}));
  EXPECT_EQ(b.next_stall(t0 + grace), t0 + 900ms + grace);
  b.hold(3, 0, t0 + grace);  // reset
  EXPECT_FALSE(b.over());
  EXPECT_FALSE(b.next_stall(t0 + grace));
}

TEST(h2_queue_budget, when_the_stalled_ones_do_not_suffice_only_they_go) {
  queue_budget b(50, grace);
  b.hold(1, 40, t0);
  b.hold(3, 40, t0 + 800ms);
  EXPECT_EQ(ids(b.over_limit(t0 + grace)), (std::vector<std::int32_t>{1}));
  EXPECT_EQ(b.next_stall(t0 + grace), t0 + 800ms + grace);
}

TEST(h2_queue_budget, between_equal_holders_the_newest_stream_goes_first) {
  queue_budget b(50, grace);
  b.hold(1, 40, t0);
  b.hold(3, 40, t0);
  EXPECT_EQ(ids(b.over_limit(t0 + grace)), (std::vector<std::int32_t>{3}));
}

}  // namespace
}  // namespace sse::http::h2
