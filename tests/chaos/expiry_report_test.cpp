// Expiry telemetry on Redis as operators meet it:
//  - two nodes hear the same keyspace notification, and exactly one SseStreamExpired is emitted
//    per expiry; a resume into the expired stream, on either node, says reason `expired`;
//  - Redis restarted (same port, its own empty configuration, so notify-keyspace-events is off
//    again): the node switches the notifications back on, and a stream that expires afterwards
//    is still reported.

#include "bounded_wait.hpp"
#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "chaos_producer.hpp"
#include "http_client.hpp"
#include "sse_client.hpp"
#include "telemetry/format.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

class expiry_report_test : public chaos_fixture {
 protected:
  event_match expired_m(const std::string& id) {
    return event_match{.name = std::string(names::stream_expired), .stream = id};
  }
  /// CONFIG GET notify-keyspace-events: the flags Redis sends now.
  std::string notify_flags() {
    const auto r = redis().command("CONFIG", "GET", "notify-keyspace-events");
    return r.elements.size() == 2 ? r.elements[1].str : "(" + r.describe() + ")";
  }
  static bool sends_expired_events(const std::string& flags) {
    // "E" (keyevent channel) and "x" (expired), or "A" which includes "x".
    return flags.find('E') != std::string::npos &&
           (flags.find('x') != std::string::npos || flags.find('A') != std::string::npos);
  }
};

TEST_F(expiry_report_test, one_node_of_two_reports_each_expiry_and_a_resume_says_expired) {
  auto cfg = node_config(store_kind::redis);
  cfg.ttl = 1s;
  cfg.end_retention = 5s;
  add_node("n1", cfg);
  add_node("n2", cfg);
  const auto deadline = steady::now() + 30s;

  // One stream served by each node, so either node may be the one that knows the epoch.
  chaos_producer a("chaos-once-a", fixed(0));
  chaos_producer b("chaos-once-b", fixed(1));
  ASSERT_TRUE(a.append({{chaos_data("chaos-once-a", 1, 10), "", 1}}, deadline));
  ASSERT_TRUE(b.append({{chaos_data("chaos-once-b", 1, 10), "", 1}}, deadline));

  for (const auto* p : {&a, &b}) {
    ASSERT_TRUE(tc().saw(expired_m(p->stream()), 10s));
    // Both nodes got the notification: wait past the slower claimant's delay for a second one.
    EXPECT_TRUE(tc().count_is(expired_m(p->stream()), 1, 1s, 1500ms))
        << "one SseStreamExpired per expiry:\n"
        << tc().dump(expired_m(p->stream()));
  }

  // The marker is in Redis, not in a node: a resume on the node that never served the stream
  // is told the same.
  for (std::size_t n = 0; n < node_count(); ++n) {
    const std::string last_id = a.epoch() + ":1";
    sse_client late("127.0.0.1", node(n).port(), "/v1/streams/chaos-once-a/events", last_id);
    EXPECT_EQ(late.status(), 404) << "an expired stream answers as a missing one";
    EXPECT_TRUE(tc().saw({.name = std::string(names::resume_failure),
                          .stream = "chaos-once-a",
                          .node = node(n).name(),
                          .fields = {{"reason", "expired"}, {"last_event_id", last_id}}},
                         5s));
  }
  // A resume point of another incarnation is not this expiry: unknown_stream, as before.
  sse_client other("127.0.0.1", node(0).port(), "/v1/streams/chaos-once-b/events",
                   a.epoch() + ":1");
  EXPECT_EQ(other.status(), 404);
  EXPECT_TRUE(tc().saw({.name = std::string(names::resume_failure),
                        .stream = "chaos-once-b",
                        .fields = {{"reason", "unknown_stream"}}},
                       5s));

  // Nothing is left behind: the claim and the marker expire too.
  EXPECT_TRUE(
      bounded_wait([&] { return redis().command("KEYS", "sse:*once*").elements.empty(); }, 10s))
      << redis().command("KEYS", "sse:*").describe();
}

TEST_F(expiry_report_test, expiry_is_still_reported_after_redis_restarts_without_notifications) {
  auto cfg = node_config(store_kind::redis);
  cfg.ttl = 1s;
  add_node("n1", cfg);
  ASSERT_TRUE(bounded_wait([&] { return sends_expired_events(notify_flags()); }, 10s))
      << "at start: " << notify_flags();

  // Same port, no persistence, the harness's configuration only (no notify-keyspace-events):
  // notifications are off again until someone sets them. Not asserted here: the node may
  // already have done so by the time the harness could look.
  redis().restart(false);
  ASSERT_TRUE(node(0).wait_ready(20s)) << "the node reconnects";
  EXPECT_TRUE(bounded_wait([&] { return sends_expired_events(notify_flags()); }, 10s))
      << "after the restart: " << notify_flags();

  const auto deadline = steady::now() + 30s;
  chaos_producer p("chaos-after-restart", fixed(0));
  ASSERT_TRUE(p.append({{chaos_data("chaos-after-restart", 1, 10), "", 1}}, deadline));
  const auto e = tc().wait_for(expired_m("chaos-after-restart"), 10s);
  ASSERT_TRUE(e) << "no SseStreamExpired after the restart:\n" << tc().dump();
  EXPECT_TRUE(telemetry::field_is(*e, "epoch", boost::json::string(p.epoch())))
      << describe_event(*e);
}

}  // namespace
}  // namespace sse::test
