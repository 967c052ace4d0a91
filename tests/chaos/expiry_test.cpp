// Chaos scenario 5, second half: an idle stream expires after its TTL with SseStreamExpired,
// an ended stream after the end retention (ended: true), a stream kept busy does not expire
// while it is busy; once expired a stream is gone (404, a resume fails with reason `expired`),
// its live subscriber is finished, and on Redis none of its keys is left.

#include <atomic>
#include <thread>

#include "bounded_wait.hpp"
#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "http_client.hpp"
#include "redis_keys.hpp"
#include "sse_client.hpp"
#include "telemetry/format.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

class expiry_test : public chaos_fixture, public ::testing::WithParamInterface<store_kind> {};

TEST_P(expiry_test, idle_and_ended_streams_expire_with_SseStreamExpired_and_are_gone) {
  constexpr auto ttl = 2s;
  auto cfg = node_config(GetParam());
  cfg.ttl = ttl;
  cfg.end_retention = ttl;
  add_node("n1", cfg);
  const auto deadline = steady::now() + 30s;
  const auto expired_m = [](const std::string& id) {
    return event_match{.name = std::string(names::stream_expired), .stream = id};
  };

  chaos_producer idle("chaos-idle", fixed(0));
  chaos_producer done("chaos-done", fixed(0));
  chaos_producer busy("chaos-busy", fixed(0));
  ASSERT_TRUE(idle.append({{chaos_data("chaos-idle", 1, 10), "", 1}}, deadline));
  ASSERT_TRUE(done.append({{chaos_data("chaos-done", 1, 10), "", 1}}, deadline));
  ASSERT_TRUE(done.end(deadline));
  const long long idle_since_ms = telemetry::now_unix_ms();

  // A live subscriber of the idle stream: it sees the event, then nothing, then its stream goes.
  sse_client watcher("127.0.0.1", node(0).port(), "/v1/streams/chaos-idle/events");
  ASSERT_EQ(watcher.status(), 200);
  ASSERT_TRUE(watcher.next_event(5s));

  // The busy stream gets an event every 300 ms for longer than its TTL.
  std::atomic<bool> busy_ok{true};
  std::thread busy_thread([&] {
    for (seq_t s = 1; s <= 12; ++s) {
      busy_ok = busy_ok && busy.append({{chaos_data("chaos-busy", s, 10), "", 1}}, deadline);
      std::this_thread::sleep_for(300ms);
    }
  });
  const ::testing::AssertionResult idle_expired = tc().saw(expired_m("chaos-idle"), ttl + 5s);
  busy_thread.join();
  ASSERT_TRUE(busy_ok.load()) << no_problems(busy.problems()).message();
  const long long busy_idle_since_ms = telemetry::now_unix_ms();
  EXPECT_TRUE(tc().none(expired_m("chaos-busy"))) << "a stream in use must not expire";

  // EXPECT, not ASSERT, from here on: on a store that cannot report expiry the rest (404, the
  // watcher finished, keys gone) still tells what does work.
  EXPECT_TRUE(idle_expired);
  if (const auto e = tc().wait_for(expired_m("chaos-idle"), 0ms)) {
    EXPECT_TRUE(telemetry::field_is(*e, "epoch", boost::json::string(idle.epoch())))
        << describe_event(*e);
    EXPECT_TRUE(telemetry::field_is(*e, "ended", false)) << describe_event(*e);
    EXPECT_GE(e->ts_ms + 50, idle_since_ms + std::chrono::milliseconds(ttl).count())
        << "expired before its TTL: " << describe_event(*e);
  }
  EXPECT_TRUE(tc().saw(expired_m("chaos-done"), ttl + 5s));
  if (const auto d = tc().wait_for(expired_m("chaos-done"), 0ms)) {
    EXPECT_TRUE(telemetry::field_is(*d, "ended", true)) << describe_event(*d);
    EXPECT_TRUE(telemetry::field_is(*d, "epoch", boost::json::string(done.epoch())))
        << describe_event(*d);
  }

  // Gone: 404, the watcher's response is over, a resume fails with a reason.
  http_client http("127.0.0.1", node(0).port());
  EXPECT_EQ(http.get("/v1/streams/chaos-idle").status, 404);
  EXPECT_EQ(http.get("/v1/streams/chaos-done").status, 404);
  EXPECT_TRUE(watcher.wait_closed(5s)) << "the subscriber of an expired stream is finished";
  sse_client late("127.0.0.1", node(0).port(), "/v1/streams/chaos-idle/events",
                  idle.epoch() + ":1");
  EXPECT_EQ(late.status(), 404);
  // The store keeps a marker of the expired epoch: the failure says why.
  EXPECT_TRUE(tc().saw({.name = std::string(names::resume_failure),
                        .stream = "chaos-idle",
                        .fields = {{"last_event_id", idle.epoch() + ":1"}, {"reason", "expired"}}},
                       5s))
      << tc().dump({{.name = std::string(names::resume_failure)}});

  // The busy stream expires too once left alone.
  EXPECT_TRUE(tc().saw(expired_m("chaos-busy"), ttl + 5s));
  if (const auto b = tc().wait_for(expired_m("chaos-busy"), 0ms)) {
    EXPECT_GE(b->ts_ms + 50, busy_idle_since_ms + std::chrono::milliseconds(ttl).count() - 300)
        << describe_event(*b);
  }
  EXPECT_TRUE(tc().count_is({.name = std::string(names::stream_expired)}, 3, 1s))
      << "each stream expires once";

  if (has_redis()) {
    EXPECT_TRUE(bounded_wait([&] { return scan_keys(redis()).empty(); }, 5s))
        << "no key left: " << describe_keys(scan_keys(redis()));
  }
}

INSTANTIATE_TEST_SUITE_P(stores, expiry_test,
                         ::testing::Values(store_kind::memory, store_kind::redis),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace sse::test
