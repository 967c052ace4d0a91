// connection::ready() against a real redis-server: a SIGSTOPped server keeps the socket open, so
// the link stays up, but a request unanswered for ready_timeout makes the connection not ready
// (its ready handler told once), and the first reply after SIGCONT makes it ready again. The
// health check is set far out here, so only the stall watch can notice.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <mutex>

#include "redis/connection.hpp"
#include "redis_fixture.hpp"

namespace sse::store::redis_test {
namespace {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

TEST(connection_ready, a_paused_server_makes_the_link_not_ready_within_the_ready_timeout) {
  test::redis_options so;
  so.name = "redis-ready";
  test::redis_server server(so);
  net::io_context io;
  auto cfg = test_connection(server);
  cfg.health_interval = 10s;  // no PING during the test: the stall watch alone must see it
  cfg.health_timeout = 10s;
  cfg.ready_timeout = 300ms;
  auto c = std::make_shared<redis::connection>(io.get_executor(), cfg);
  std::vector<bool> seen;  // ready handler calls, on io's thread
  c->set_ready_handler([&seen](bool ready) { seen.push_back(ready); });
  c->start();
  ASSERT_TRUE(run_until(
      io, [&] { return c->ready(); }, 10s));
  ASSERT_EQ(seen, std::vector<bool>{true});

  // A request that answers in time leaves the link ready.
  redis::request ping;
  ping.push("PING");
  auto pong = run_sync(io, c->exec(ping, 2s));
  ASSERT_TRUE(pong.has_value());
  EXPECT_TRUE(c->ready());

  server.pause();
  const auto paused = clock_type::now();
  bool answered = false;
  net::co_spawn(
      io,
      [](std::shared_ptr<redis::connection> c, redis::request r,
         bool& answered) -> net::awaitable<void> {
        auto rep = co_await c->exec(std::move(r), std::chrono::seconds(8));
        answered = rep.has_value();
      }(c, ping, answered),
      net::detached);
  const bool noticed = run_until(
      io, [&] { return !c->ready(); }, 3s);
  const long long noticed_ms = ms_since(paused);
  std::printf("[timing] not ready %lld ms after SIGSTOP (ready_timeout 300 ms)\n", noticed_ms);
  EXPECT_TRUE(noticed);
  EXPECT_LE(noticed_ms, 300 + 300);
  EXPECT_TRUE(c->up()) << "a stall is not a lost link: nothing was dropped";

  server.resume();
  const auto resumed = clock_type::now();
  EXPECT_TRUE(run_until(
      io, [&] { return c->ready() && answered; }, 5s));
  std::printf("[timing] ready %lld ms after SIGCONT\n", ms_since(resumed));
  EXPECT_EQ(seen, (std::vector<bool>{true, false, true}));

  c->stop();
  io.restart();
  (void)run_until(
      io, [&] { return !c->up(); }, 5s);
}

}  // namespace
}  // namespace sse::store::redis_test
