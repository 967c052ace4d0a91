// The signal the subscribers wait on instead of polling, and the group that owns their
// background coroutines: on one io_context, no socket; nothing here waits for a clock (every
// deadline is either past or an hour away, so a missed notification would hang, not pass).

#include "redis/wake_signal.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>

#include "redis/task_group.hpp"

namespace sse::redis {
namespace {

namespace net = boost::asio;
using std::chrono::steady_clock;

const auto far = std::chrono::hours(1);

/// Runs one wait on a fresh io_context as far as it gets without a clock: its result, or nullopt
/// while it still waits.
std::optional<bool> wait_once(steady_clock::time_point deadline, std::function<bool()> done) {
  net::io_context io;
  wake_signal wake(io.get_executor());
  std::optional<bool> out;
  net::co_spawn(io, wake.wait(deadline, std::move(done)),
                [&](std::exception_ptr, bool r) { out = r; });
  io.poll();
  return out;
}

TEST(wake_signal, a_condition_already_true_returns_at_once) {
  EXPECT_EQ(wait_once(steady_clock::now() + far, [] { return true; }), std::optional<bool>(true));
}

TEST(wake_signal, a_past_deadline_returns_the_condition_false) {
  EXPECT_EQ(wait_once(steady_clock::now() - std::chrono::seconds(1), [] { return false; }),
            std::optional<bool>(false));
}

TEST(wake_signal, notify_wakes_every_waiter_to_check_its_own_condition) {
  net::io_context io;
  wake_signal wake(io.get_executor());
  bool a = false;
  bool b = false;
  int a_done = 0;
  int b_done = 0;
  auto waiter = [&](bool& flag, int& done) -> net::awaitable<void> {
    if (co_await wake.wait(steady_clock::now() + far, [&] { return flag; })) {
      ++done;
    }
  };
  net::co_spawn(io, waiter(a, a_done), net::detached);
  net::co_spawn(io, waiter(b, b_done), net::detached);
  io.poll();  // both waiting now
  a = true;
  wake.notify();
  io.poll();
  EXPECT_EQ(a_done, 1);
  EXPECT_EQ(b_done, 0);  // woken, found its condition false, waits again
  wake.notify();         // a notification with nothing new changes nothing
  io.poll();
  EXPECT_EQ(b_done, 0);
  b = true;
  wake.notify();
  io.poll();
  EXPECT_EQ(b_done, 1);
  EXPECT_TRUE(io.stopped() || io.poll() == 0);
}

TEST(wake_signal, a_deadline_is_read_on_the_injected_clock) {
  net::io_context io;
  core::manual_steady_clock clock;
  wake_signal wake(io.get_executor(), &clock);
  std::optional<bool> out;
  // An hour away on the manual clock: only advancing it, never real time, gets there.
  net::co_spawn(io, wake.wait(clock.now() + far, [] { return false; }),
                [&](std::exception_ptr, bool r) { out = r; });
  io.poll();
  EXPECT_FALSE(out.has_value());
  clock.advance(far - std::chrono::seconds(1));
  wake.notify();
  io.poll();
  EXPECT_FALSE(out.has_value()) << "a second before its deadline it still waits";
  clock.advance(std::chrono::seconds(1));
  wake.notify();  // the manual clock wakes nobody by itself
  io.poll();
  EXPECT_EQ(out, std::optional<bool>(false)) << "timed out, its condition still false";
  EXPECT_EQ(wake.now(), clock.now());
}

TEST(task_group, join_completes_once_every_task_returned) {
  net::io_context io;
  wake_signal wake(io.get_executor());
  task_group tasks(io.get_executor());
  bool stop = false;
  auto worker = [&]() -> net::awaitable<void> {
    co_await wake.wait(steady_clock::now() + far, [&] { return stop; });
  };
  tasks.spawn(worker());
  tasks.spawn(worker());
  bool joined = false;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await tasks.join();
        joined = true;
      },
      net::detached);
  io.poll();
  EXPECT_EQ(tasks.running(), 2u);
  EXPECT_FALSE(joined);
  stop = true;
  wake.notify();
  io.poll();
  EXPECT_EQ(tasks.running(), 0u);
  EXPECT_TRUE(joined);
}

TEST(task_group, join_with_nothing_running_completes_at_once) {
  net::io_context io;
  task_group tasks(io.get_executor());
  bool joined = false;
  net::co_spawn(io, tasks.join(), [&](std::exception_ptr) { joined = true; });
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(joined);
}

TEST(task_group, a_task_that_throws_is_still_counted_out) {
  net::io_context io;
  task_group tasks(io.get_executor());
  tasks.spawn([]() -> net::awaitable<void> {
    throw std::runtime_error("boom");
    co_return;
  }());
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(tasks.running(), 0u);
}

}  // namespace
}  // namespace sse::redis
