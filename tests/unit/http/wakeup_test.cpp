// The SSE writer's wake-up on a real io_context: rings, deadlines and cancellation each end a
// wait, and rings do not arm the deadline timer again.

#include "http/wakeup.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace sse::http {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;  // the process clock: these waits are real

struct fixture {
  net::io_context ioc;
  core::steady_clock process_clock;
  std::shared_ptr<wakeup> w = std::make_shared<wakeup>(ioc.get_executor(), process_clock);
  int woken = 0;
  boost::system::error_code last;

  /// One wait for `deadline`, ended by a ring.
  void wait_and_ring(clock::time_point deadline) {
    wait_times(1, deadline);
    ioc.poll();
    w->ring();
    ioc.poll();
  }

  /// Starts `n` waits one after the other, each for `deadline`, counting how each ended.
  void wait_times(int n, clock::time_point deadline) {
    net::co_spawn(
        ioc,
        [this, n, deadline]() -> net::awaitable<void> {
          for (int i = 0; i < n; ++i) {
            auto [ec] = co_await w->async_wait(deadline, net::as_tuple(net::use_awaitable));
            last = ec;
            ++woken;
          }
        },
        net::detached);
  }
};

TEST(wakeup, a_ring_ends_the_wait_without_an_error) {
  fixture f;
  f.wait_times(1, clock::now() + 1h);
  f.ioc.poll();
  EXPECT_EQ(f.woken, 0) << "nothing rang and the deadline is far";
  f.w->ring();
  EXPECT_EQ(f.woken, 0) << "the waiter is resumed through the executor, not inside ring()";
  f.ioc.poll();
  EXPECT_EQ(f.woken, 1);
  EXPECT_FALSE(f.last);
  f.w->close();
  f.ioc.run_for(1s);  // the closed timer's wait ends: nothing left, run() returns
  EXPECT_TRUE(f.ioc.stopped());
}

TEST(wakeup, a_ring_with_nobody_waiting_is_not_kept_for_the_next_wait) {
  fixture f;
  f.w->ring();
  f.wait_times(1, clock::now() + 1h);
  f.ioc.poll();
  EXPECT_EQ(f.woken, 0);
  f.w->ring();
  f.ioc.poll();
  EXPECT_EQ(f.woken, 1);
  f.w->close();
}

TEST(wakeup, the_deadline_ends_the_wait_and_an_earlier_deadline_rearms_the_timer) {
  fixture f;
  const auto start = clock::now();
  // A far deadline first, rung away; then a near one must not wait for the far one.
  f.wait_and_ring(start + 1h);
  ASSERT_EQ(f.woken, 1);
  f.wait_times(1, start + 50ms);
  f.ioc.run_for(5s);
  EXPECT_EQ(f.woken, 2);
  EXPECT_FALSE(f.last);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_LT(clock::now() - start, 4s) << "woken by the near deadline, not by run_for's end";
}

TEST(wakeup, cancelling_the_waiting_coroutine_ends_the_wait_operation_aborted) {
  using namespace net::experimental::awaitable_operators;
  fixture f;
  bool timer_side_won = false;
  net::co_spawn(
      f.ioc,
      [&]() -> net::awaitable<void> {
        net::steady_timer t(f.ioc, 20ms);
        auto waiting = [&]() -> net::awaitable<void> {
          auto [ec] =
              co_await f.w->async_wait(clock::now() + 1h, net::as_tuple(net::use_awaitable));
          f.last = ec;
          ++f.woken;
        };
        auto r = co_await (waiting() || t.async_wait(net::use_awaitable));
        timer_side_won = r.index() == 1;
        f.w->close();  // the 1 h deadline's wait ends too: the context runs out of work
      },
      net::detached);
  const auto start = clock::now();
  f.ioc.run_for(5s);
  EXPECT_TRUE(timer_side_won);
  EXPECT_EQ(f.woken, 1);
  EXPECT_EQ(f.last, net::error::operation_aborted);
  EXPECT_LT(clock::now() - start, 4s);
}

TEST(wakeup, many_rings_arm_the_deadline_timer_once) {
  fixture f;
  const auto deadline = clock::now() + 100ms;
  f.wait_times(1001, deadline);
  for (int i = 0; i < 1000; ++i) {
    f.ioc.poll();
    f.w->ring();
  }
  f.ioc.poll();
  ASSERT_EQ(f.woken, 1000);
  EXPECT_EQ(f.w->arms(), 1U) << "1000 waits for one deadline, each ended by a ring";
  // The last wait is ended by the timer armed for the first one.
  const auto before = clock::now();
  f.ioc.run_for(5s);
  EXPECT_EQ(f.woken, 1001);
  EXPECT_FALSE(f.last);
  EXPECT_LT(clock::now() - before, 4s);
  EXPECT_EQ(f.w->arms(), 1U);
}

TEST(wakeup, a_later_deadline_leaves_the_armed_timer_and_an_earlier_one_rearms_it) {
  fixture f;
  const auto start = clock::now();
  f.wait_and_ring(start + 1h);
  f.wait_times(1, start + 2h);  // later: the 1 h timer stays (an early, spurious wake at most)
  f.ioc.poll();
  EXPECT_EQ(f.w->arms(), 1U);
  f.w->ring();
  f.ioc.poll();
  f.wait_times(1, start + 1min);  // earlier: armed again
  f.ioc.poll();
  EXPECT_EQ(f.w->arms(), 2U);
  f.w->ring();
  f.ioc.poll();
  EXPECT_EQ(f.woken, 3);
  f.w->close();
}

}  // namespace
}  // namespace sse::http
