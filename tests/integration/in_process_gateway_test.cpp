// The gateway as a library, in-process (as the chaos tests use it): start on a free loopback
// port with a memory telemetry sink and an injected clock, serve real sockets, stop cleanly.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "app/gateway.hpp"
#include "bounded_wait.hpp"
#include "core/clock.hpp"
#include "free_port.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"
#include "sse_client.hpp"
#include "telemetry/memory_sink.hpp"
#include "telemetry/names.hpp"
#include "temp_dir.hpp"

namespace sse::app {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

config::config test_config() {
  config::config cfg;
  cfg.listen_host = "127.0.0.1";
  cfg.listen_port = 0;
  cfg.threads = 2;
  cfg.telemetry = "none";
  cfg.node_id = "test-node";
  cfg.shutdown_grace = 2s;
  return cfg;
}

TEST(gateway, starts_serves_and_stops) {
  test::temp_dir dir;
  auto cfg = test_config();
  cfg.port_file = (dir.path() / "port").string();
  telemetry::memory_sink sink;
  gateway g(cfg, &sink);
  g.start();
  ASSERT_NE(g.port(), 0);
  std::ifstream pf(cfg.port_file);
  int written = 0;
  pf >> written;
  EXPECT_EQ(written, g.port());

  test::http_client http("127.0.0.1", g.port());
  EXPECT_EQ(http.get("/healthz").status, 200);
  EXPECT_EQ(http.get("/readyz").status, 200);
  EXPECT_EQ(http.put("/v1/streams/a").status, 201);
  EXPECT_EQ(sink.count(names::stream_created), 1u);
  g.stop();
  g.stop();  // a second stop is a no-op
}

// Built and dropped without start() (a startup that fails after construction does this): the
// destructor returns promptly, and nothing was bound or announced.
TEST(gateway, destroyed_without_start) {
  test::temp_dir dir;
  auto cfg = test_config();
  cfg.port_file = (dir.path() / "port").string();
  telemetry::memory_sink sink;
  auto g = std::make_unique<gateway>(cfg, &sink);
  EXPECT_EQ(g->port(), 0) << "bound a port without start()";
  EXPECT_EQ(g->open_connections(), 0u);
  // Destroyed on another thread so that a destructor waiting for a start that never came
  // fails the test within a bound instead of hanging it (the thread is then left behind).
  std::promise<void> destroyed;
  auto done = destroyed.get_future();
  std::thread([g = std::move(g), &destroyed]() mutable {
    g.reset();
    destroyed.set_value();
  }).detach();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready)
      << "~gateway() did not return within 5 s for a gateway never started";
  EXPECT_FALSE(std::filesystem::exists(cfg.port_file)) << "port file written without start()";
  EXPECT_TRUE(sink.snapshot().empty()) << sink.dump();
}

TEST(gateway, unknown_store_is_a_startup_error) {
  auto cfg = test_config();
  cfg.store = "bogus";
  EXPECT_THROW(gateway g(cfg), std::runtime_error);
}

TEST(gateway, port_in_use_is_a_startup_error) {
  gateway first(test_config());
  first.start();
  auto cfg = test_config();
  cfg.listen_port = first.port();
  gateway second(cfg);
  EXPECT_THROW(second.start(), std::runtime_error);
  first.stop();
}

TEST(gateway, resume_telemetry_and_live_end) {
  telemetry::memory_sink sink;
  gateway g(test_config(), &sink);
  g.start();
  test::http_client http("127.0.0.1", g.port());
  std::string epoch;
  for (int i = 1; i <= 3; ++i) {
    auto r = http.post("/v1/streams/r/events", R"({"data":"e)" + std::to_string(i) + R"("})");
    ASSERT_EQ(r.status, 200) << r.describe();
    epoch = std::string(r.json_object().at("epoch").as_string());
  }
  test::sse_client sub("127.0.0.1", g.port(), "/v1/streams/r/events", epoch + ":1");
  ASSERT_EQ(sub.status(), 200);
  auto replayed = sub.collect(2, 5s);
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_EQ(replayed[0].id, epoch + ":2");
  EXPECT_EQ(replayed[1].data, "e3");

  auto attempt = sink.wait_for(names::resume_attempt, {}, 5s);
  ASSERT_TRUE(attempt) << sink.dump();
  EXPECT_EQ(attempt->stream, "r");
  EXPECT_TRUE(telemetry::field_is(*attempt, "last_event_id", boost::json::string(epoch + ":1")));
  auto success = sink.wait_for(names::resume_success, {}, 5s);
  ASSERT_TRUE(success) << sink.dump();
  EXPECT_TRUE(telemetry::field_is(*success, "replayed", 2));
  EXPECT_TRUE(telemetry::field_is(*success, "missed", 0));

  ASSERT_EQ(http.post("/v1/streams/r/events", R"({"data":"live"})").status, 200);
  ASSERT_EQ(http.post("/v1/streams/r/end", "").status, 200);
  auto rest = sub.collect(2, 5s);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].data, "live");
  EXPECT_EQ(rest[1].event, "end");
  EXPECT_TRUE(sub.wait_closed(5s));
  EXPECT_TRUE(sub.response_done());
  EXPECT_TRUE(sink.wait_for(names::resume_live_end, {}, 5s)) << sink.dump();

  // At the end: 204, so EventSource stops.
  test::sse_client after("127.0.0.1", g.port(), "/v1/streams/r/events", epoch + ":5");
  EXPECT_EQ(after.status(), 204);
  g.stop();
}

TEST(gateway, shutdown_sends_the_final_comment_and_chunk) {
  gateway g(test_config());
  g.start();
  test::http_client http("127.0.0.1", g.port());
  ASSERT_EQ(http.put("/v1/streams/s").status, 201);
  test::sse_client sub("127.0.0.1", g.port(), "/v1/streams/s/events");
  ASSERT_EQ(sub.status(), 200);
  sub.pump_for(100ms);
  std::thread stopper([&g] { g.stop(); });
  EXPECT_TRUE(sub.wait_closed(10s));
  stopper.join();
  EXPECT_TRUE(sub.response_done()) << sub.last_error();
  ASSERT_FALSE(sub.comments().empty());
  EXPECT_NE(sub.comments().back().find("server shutting down"), std::string::npos);
  EXPECT_EQ(g.open_connections(), 0u);
}

TEST(gateway, sweep_expires_idle_streams_by_the_injected_clock) {
  telemetry::memory_sink sink;
  core::manual_clock clock;
  auto cfg = test_config();
  cfg.ttl = 10min;
  gateway g(cfg, &sink, &clock);
  g.start();
  test::http_client http("127.0.0.1", g.port());
  ASSERT_EQ(http.put("/v1/streams/old").status, 201);
  test::sse_client sub("127.0.0.1", g.port(), "/v1/streams/old/events");
  ASSERT_EQ(sub.status(), 200);
  clock.advance(11min);
  // The sweep runs every second.
  auto expired = sink.wait_for(names::stream_expired, {}, 5s);
  ASSERT_TRUE(expired) << sink.dump();
  EXPECT_EQ(expired->stream, "old");
  // Its subscriber is finished properly.
  EXPECT_TRUE(sub.wait_closed(5s));
  EXPECT_TRUE(sub.response_done());
  EXPECT_EQ(http.get("/v1/streams/old").status, 404);
  g.stop();
}

// The READY=1 watch (gateway::when_ready) waits for the store without polling: the store's
// availability report wakes it, so it fires as soon as /readyz turns 200; it belongs to the
// gateway's task group, so stop() joins it (its frame and callbacks are gone by then).
TEST(gateway, when_ready_fires_once_a_late_redis_store_comes_up_and_is_joined_at_stop) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  test::redis_options ro;
  ro.name = "late-store";
  test::redis_server redis(ro);
  redis.stop();  // down when the gateway starts; the same port comes up later
  auto cfg = test_config();
  cfg.store = redis.url();
  telemetry::memory_sink sink;
  gateway g(cfg, &sink);
  g.start();  // waits up to 3 s for the store, then serves anyway
  ASSERT_FALSE(g.ready());
  std::atomic<int> waiting{0};
  std::atomic<int> ready{0};
  auto held = std::make_shared<int>(0);  // by both callbacks: released with the watch
  g.when_ready([&waiting, held] { waiting.fetch_add(1); }, [&ready, held] { ready.fetch_add(1); });
  ASSERT_TRUE(test::bounded_wait([&] { return waiting.load() == 1; }, 2s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(ready.load(), 0);

  redis.start();
  // From the moment the gateway is ready to the callback: the report wakes the watch.
  ASSERT_TRUE(test::bounded_wait([&] { return g.ready(); }, 15s, 1ms));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(test::bounded_wait([&] { return ready.load() == 1; }, 5s, 1ms));
  const auto lag =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("[timing] when_ready fired %lld ms after ready() turned true\n",
              static_cast<long long>(lag));
  EXPECT_LT(lag, 250);
  EXPECT_EQ(waiting.load(), 1);
  g.stop();
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(ready.load(), 1);
}

TEST(gateway, a_ready_watch_still_waiting_for_the_store_ends_at_stop) {
  if (!test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  auto cfg = test_config();
  cfg.store = "redis://127.0.0.1:" + std::to_string(test::free_port());  // nothing listens
  telemetry::memory_sink sink;
  gateway g(cfg, &sink);
  g.start();
  std::atomic<int> waiting{0};
  std::atomic<int> ready{0};
  auto held = std::make_shared<int>(0);
  g.when_ready([&waiting, held] { waiting.fetch_add(1); }, [&ready, held] { ready.fetch_add(1); });
  ASSERT_TRUE(test::bounded_wait([&] { return waiting.load() == 1; }, 2s));
  g.stop();
  // Joined: the watch returned without calling on_ready, and nothing of it is left.
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(ready.load(), 0);
}

}  // namespace
}  // namespace sse::app

namespace sse::app {
namespace {

// Heartbeats are timed on the gateway's injected steady clock, not on the process clock: with a
// manual clock standing still, real time passing brings none; advancing the clock brings one
// (the writer's real timer only wakes it to look at the injected time again).
TEST(gateway, sse_heartbeats_follow_the_injected_steady_clock) {
  auto cfg = test_config();
  cfg.heartbeat = 200ms;
  core::manual_steady_clock steady;
  gateway g(cfg, nullptr, nullptr, &steady);
  g.start();
  test::http_client http("127.0.0.1", g.port());
  ASSERT_EQ(http.post("/v1/streams/hb/events", R"({"data":"first"})").status, 200);
  test::sse_client sub("127.0.0.1", g.port(), "/v1/streams/hb/events");
  ASSERT_EQ(sub.status(), 200);
  ASSERT_TRUE(sub.next_event(5s));
  const std::size_t before = sub.comments_seen();
  sub.pump_for(1200ms);  // six heartbeat intervals of real time
  EXPECT_EQ(sub.comments_seen(), before)
      << "a heartbeat came while the injected clock stood still: " << sub.comments().back();
  steady.advance(250ms);
  // The writer's timer was armed for what was left on the injected clock (200 ms of real time at
  // most), so within a bound it looks again and finds the heartbeat due.
  ASSERT_TRUE(sub.wait_comments(before + 1, 5s)) << "no heartbeat after the clock moved on";
  EXPECT_EQ(sub.comments().back(), " heartbeat");
  g.stop();
}

}  // namespace
}  // namespace sse::app
