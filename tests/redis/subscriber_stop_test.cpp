// The single-node subscriber's loops wait on a signal, and its background coroutines have an
// owner: stop() ends them at once (even a probe due only every 30 s) and join() sees them all
// returned; likewise the Redis store's expiry claims. Against the process's redis-server.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "free_port.hpp"
#include "redis/client.hpp"
#include "redis/subscriber.hpp"
#include "redis_fixture.hpp"

namespace sse::store::redis_test {
namespace {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

TEST(subscriber_stop, stop_ends_the_probe_and_the_link_at_once_and_join_returns) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  net::io_context io;
  auto sub =
      std::make_shared<redis::subscriber>(io.get_executor(), test_connection(shared_redis()));
  int probes_published = 0;
  sub->enable_probe(redis::probe_config{30s, 2s}, "probe:stop-test",
                    [&](std::string, std::string) -> net::awaitable<result<void>> {
                      ++probes_published;
                      co_return result<void>{};
                    });
  int delivered = 0;
  sub->set_message_handler([&](std::string_view channel, std::string_view payload) {
    delivered += channel == "stop-test" && payload == "hello" ? 1 : 0;
  });
  sub->start();
  ASSERT_TRUE(run_until(io, [&] { return sub->up(); }));
  ASSERT_TRUE(run_sync(io, sub->subscribe("stop-test")).has_value());
  EXPECT_EQ(sub->channel_count(), 1u);  // the probe's channel is not counted
  shared_redis().command("PUBLISH", "stop-test", "hello");
  ASSERT_TRUE(run_until(io, [&] { return delivered == 1; }));

  const auto t0 = clock_type::now();
  sub->stop();
  auto joined = [](std::shared_ptr<redis::subscriber> s) -> net::awaitable<bool> {
    co_await s->join();
    co_return true;
  }(sub);
  EXPECT_TRUE(run_sync(io, std::move(joined), 10s));
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
  std::printf("[timing] subscriber joined %lld ms after stop()\n", static_cast<long long>(took));
  EXPECT_LT(took, 1000);
  EXPECT_EQ(probes_published, 0);  // none was due yet
}

// The command client's connections are owned the same way: stop() ends each one's run() and
// join() sees them all returned.
TEST(redis_client, stop_then_join_returns_once_every_connection_has_wound_down) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  net::io_context io;
  redis::client c({io.get_executor(), io.get_executor()}, test_connection(shared_redis()));
  c.start();
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));

  bool joined = false;
  net::co_spawn(
      io,
      [](redis::client& cl, bool& done) -> net::awaitable<void> {
        co_await cl.join();
        done = true;
      }(c, joined),
      net::detached);
  io.run_for(300ms);
  EXPECT_FALSE(joined) << "the links still run: join() waits for them";

  c.stop();
  EXPECT_TRUE(run_until(io, [&] { return joined; }));
  EXPECT_FALSE(c.up());
  EXPECT_FALSE(c.at(0).up());
  EXPECT_FALSE(c.at(1).up());
}

/// Counts the stream-gone notices of the streams it watches.
struct gone_listener final : live_listener {
  void on_events(std::shared_ptr<const stream::event_batch>) override {}
  void on_stream_gone(const std::string&) override { ++gone; }
  void on_resync(const std::string&) override {}
  int gone = 0;
};

// The report of an expiry is claimed by a coroutine that the store owns: after stop(), join()
// waits for a claim still in flight, so nothing of it runs once the store's owner moves on.
TEST(expiry_claim, the_store_join_waits_for_a_claim_still_in_flight) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  net::io_context io;
  auto a = make_started_store(io, store_limits{}, test_options(shared_redis()));
  // Another node makes the stream: `a` never learns its epoch, so its claim first waits
  // unknown_epoch_delay (200 ms). That node is gone before the expiry: `a` alone hears it.
  {
    auto b = make_started_store(io, store_limits{}, test_options(shared_redis()));
    stream_options o;
    o.ttl = 1s;
    ASSERT_TRUE(run_sync(io, b->create("exp-owned", o)).has_value());
    b->stop();
  }
  gone_listener l;
  ASSERT_TRUE(run_sync(io, a->watch("exp-owned", &l)).has_value());
  // The notification's handler finishes the listeners, then spawns the claim.
  ASSERT_TRUE(run_until(
      io, [&] { return l.gone == 1; }, 10s));
  a->stop();
  auto joined = [](redis_store& s) -> net::awaitable<bool> {
    co_await s.join();
    co_return true;
  }(*a);
  EXPECT_TRUE(run_sync(io, std::move(joined), 10s));
  // The claim ran to its end: with the store stopped it could not be made, and reporting
  // twice beats never, so it is reported here.
  auto reported = a->sweep_expired();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].stream_id, "exp-owned");
  EXPECT_TRUE(reported[0].epoch.empty());
}

// Arming the notifications (CONFIG SET, retried while Redis is unreachable) is the store's task
// too, and stop() ends its retries: with Redis down, join() returns within one retry pause
// (250 ms, 500 ms for the subscription's) instead of waiting out 40 of them (about 10 s).
TEST(expiry_arming, stops_at_stop_so_join_returns_at_once_while_redis_is_down) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  net::io_context io;
  auto o = test_options(shared_redis());
  o.connection.port = test::free_port();  // nothing listens there
  redis_store s(store_limits{}, o, {io.get_executor()}, test_clock());
  s.start();
  io.run_for(600ms);  // a few attempts failed: it is between two
  ASSERT_FALSE(s.available());
  const auto t0 = clock_type::now();
  s.stop();
  auto joined = [](redis_store& st) -> net::awaitable<bool> {
    co_await st.join();
    co_return true;
  }(s);
  EXPECT_TRUE(run_sync(io, std::move(joined), 15s));
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
  std::printf("[timing] store joined %lld ms after stop() with Redis down\n",
              static_cast<long long>(took));
  EXPECT_LT(took, 700);
}

}  // namespace
}  // namespace sse::store::redis_test
