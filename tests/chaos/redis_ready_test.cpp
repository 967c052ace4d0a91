// Readiness follows Redis within --redis-ready-timeout: two nodes on one redis-server with
// appends flowing to both, the server SIGSTOPped for 3 s. Each node's /readyz must turn 503
// within ready-timeout + 0.5 s of the pause (not when a PING or the pub/sub probe finally times
// out, seconds later), and 200 again after SIGCONT. The observed timings are printed.

#include <thread>

#include "bounded_wait.hpp"
#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "live_traffic.hpp"
#include "readiness_monitor.hpp"
#include "telemetry/format.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

class redis_ready_test : public chaos_fixture {};

TEST_F(redis_ready_test, a_paused_redis_makes_every_node_not_ready_within_the_ready_timeout) {
  constexpr auto ready_timeout = 1s;  // the default, spelled out for the bound below
  constexpr long long slack_ms = 500;
  start_redis();
  auto cfg = node_config(store_kind::redis);
  cfg.redis_ready_timeout = ready_timeout;
  add_node("n1", cfg);
  add_node("n2", cfg);

  traffic_options o;
  o.prefix = "chaos-ready";
  o.streams = 4;
  o.subscribers_per_stream = 1;
  // Producers alternate between the nodes, so both have appends in flight when Redis stops.
  o.producer_pick = [this](std::uint64_t actor) { return fixed(actor % 2); };
  o.subscriber_pick = o.producer_pick;
  o.deadline = steady::now() + 60s;
  live_traffic traffic(o, seed());
  traffic.start();
  ASSERT_TRUE(traffic.wait_for_progress(40, 20s)) << "traffic before the pause";

  readiness_monitor ready({node(0).where(), node(1).where()}, 2ms);
  ASSERT_TRUE(bounded_wait([&] { return ready.of(0).ready > 0 && ready.of(1).ready > 0; }, 5s))
      << ready.describe();
  const long long pause_ms = telemetry::now_unix_ms();
  redis().pause();
  std::this_thread::sleep_for(3s);  // the outage itself: three seconds, as operators saw it
  const long long resume_ms = telemetry::now_unix_ms();
  redis().resume();
  for (std::size_t i = 0; i < node_count(); ++i) {
    EXPECT_TRUE(node(i).wait_ready(15s)) << node(i).name() << " ready again after SIGCONT";
  }
  ASSERT_TRUE(bounded_wait(
      [&] { return ready.of(0).first_ready_after_ms > 0 && ready.of(1).first_ready_after_ms > 0; },
      5s))
      << ready.describe();
  ready.stop();
  ASSERT_TRUE(traffic.wait_for_progress(40, 20s)) << "traffic after the pause";
  traffic.finish();

  const long long bound_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ready_timeout).count() + slack_ms;
  for (std::size_t i = 0; i < node_count(); ++i) {
    const auto seen = ready.of(i);
    const long long not_ready_after = seen.first_not_ready_ms - pause_ms;
    const long long ready_after = seen.first_ready_after_ms - resume_ms;
    std::cout << "[ timing   ] " << node(i).name() << ": /readyz 503 " << not_ready_after
              << " ms after SIGSTOP (bound " << bound_ms << " ms), 200 again " << ready_after
              << " ms after SIGCONT" << std::endl;
    ASSERT_NE(seen.first_not_ready_ms, 0)
        << node(i).name() << ": never 503 during the pause: " << ready.describe();
    EXPECT_GE(not_ready_after, 0) << "503 before the pause: " << ready.describe();
    EXPECT_LE(not_ready_after, bound_ms) << node(i).name() << ": " << ready.describe();
    EXPECT_GE(ready_after, 0) << node(i).name() << ": " << ready.describe();
    // The outage is reported as such, once, and its recovery after it.
    const auto after_pause = [pause_ms](const telemetry::event& e) { return e.ts_ms >= pause_ms; };
    EXPECT_TRUE(tc().saw({.name = std::string(names::store_unavailable),
                          .node = node(i).name(),
                          .pred = after_pause},
                         1s));
    EXPECT_TRUE(tc().saw(
        {.name = std::string(names::store_recovered), .node = node(i).name(), .pred = after_pause},
        5s));
  }
  EXPECT_TRUE(no_problems(traffic.problems()));
  for (const auto* s : traffic.subscribers()) {
    EXPECT_TRUE(delivered_exactly_once(*s, traffic.producer_of(*s)));
  }
}

}  // namespace
}  // namespace sse::test
