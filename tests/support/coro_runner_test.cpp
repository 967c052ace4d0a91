#include "coro_runner.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <thread>

namespace sse::test {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

net::awaitable<int> value_after(std::chrono::milliseconds delay, int value) {
  net::steady_timer timer(co_await net::this_coro::executor, delay);
  co_await timer.async_wait(net::use_awaitable);
  co_return value;
}

net::awaitable<int> failing() {
  throw std::logic_error("the coroutine's own failure");
  co_return 0;
}

TEST(coro_runner, run_sync_returns_the_value_once_the_coroutine_completes) {
  net::io_context io;
  EXPECT_EQ(run_sync(io, value_after(20ms, 7)), 7);
}

TEST(coro_runner, run_sync_throws_when_the_coroutine_outlives_its_bound) {
  net::io_context io;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(run_sync(io, value_after(30s, 1), 100ms), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(coro_runner, run_sync_rethrows_the_coroutines_exception) {
  net::io_context io;
  EXPECT_THROW(run_sync(io, failing()), std::logic_error);
}

TEST(coro_runner, run_sync_on_leaves_the_io_context_to_the_thread_that_runs_it) {
  net::io_context io;
  auto work = net::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  std::thread::id ran_on;
  auto where = [&]() -> net::awaitable<int> {
    ran_on = std::this_thread::get_id();
    co_return 3;
  };
  EXPECT_EQ(run_sync_on(io, where()), 3);
  EXPECT_EQ(ran_on, runner.get_id());
  EXPECT_THROW(run_sync_on(io, value_after(30s, 1), 100ms), std::runtime_error);
  work.reset();
  io.stop();
  runner.join();
}

TEST(coro_runner, run_until_returns_false_at_its_deadline) {
  net::io_context io;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(run_until(
      io, [] { return false; }, 100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  int n = 0;
  EXPECT_TRUE(run_until(io, [&] { return ++n == 3; }));
}

}  // namespace
}  // namespace sse::test
