// Chaos scenario 3: Redis blips three ways during live traffic on two nodes, with producers
// retrying through Producer-Seq (503 or no answer: the same batch, the same Producer-Seq):
//  - paused: SIGSTOP for a few seconds, then SIGCONT;
//  - every client connection killed: CLIENT KILL TYPE normal, then TYPE pubsub;
//  - killed (SIGKILL) and restarted on the same port, with AOF (appendfsync always).
// Every node reports SseStoreUnavailable then SseStoreRecovered, /readyz is 503 during the outage
// and 200 after, and no acknowledged event is lost or duplicated for any subscriber.

#include <thread>

#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "live_traffic.hpp"
#include "readiness_monitor.hpp"
#include "sse_client.hpp"
#include "telemetry/format.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

enum class blip { pause, client_kill, restart };

std::string to_string(blip b) {
  switch (b) {
    case blip::pause:
      return "pause";
    case blip::client_kill:
      return "client_kill";
    case blip::restart:
      return "restart";
  }
  return "?";
}

class redis_blip_test : public chaos_fixture, public ::testing::WithParamInterface<blip> {
 protected:
  std::string client_list() {
    try {
      return redis().command("CLIENT", "LIST").str;
    } catch (const std::exception& e) {
      return std::string("(CLIENT LIST failed: ") + e.what() + ")";
    }
  }
};

TEST_P(redis_blip_test, every_node_reports_the_outage_and_no_acknowledged_event_is_lost) {
  const blip kind = GetParam();
  start_redis({"--appendonly", "yes", "--appendfsync", "always"});
  const auto cfg = node_config(store_kind::redis);
  add_node("n1", cfg);
  add_node("n2", cfg);
  ASSERT_TRUE(tc().none({.name = std::string(names::store_unavailable)}));

  traffic_options o;
  o.prefix = "chaos-blip";
  o.producer_pick = [this](std::uint64_t actor) { return any_node(seed().engine(actor)); };
  o.subscriber_pick = o.producer_pick;
  o.deadline = steady::now() + 90s;
  live_traffic traffic(o, seed());
  traffic.start();
  ASSERT_TRUE(traffic.wait_for_progress(60, 20s)) << "traffic before the blip";

  readiness_monitor ready({node(0).where(), node(1).where()}, 2ms);
  const long long blip_ms = telemetry::now_unix_ms();
  switch (kind) {
    case blip::pause:
      redis().pause();
      std::this_thread::sleep_for(5s);
      redis().resume();
      break;
    case blip::client_kill: {
      const auto normal = redis().command("CLIENT", "KILL", "TYPE", "normal");
      const auto pubsub = redis().command("CLIENT", "KILL", "TYPE", "pubsub");
      EXPECT_GE(normal.integer, 2) << "each node's command connections: " << normal.describe();
      EXPECT_GE(pubsub.integer, 2) << "each node's subscription: " << pubsub.describe();
      break;
    }
    case blip::restart:
      redis().stop(false);
      std::this_thread::sleep_for(1500ms);
      redis().start();
      break;
  }
  const long long back_ms = telemetry::now_unix_ms();

  const auto after_blip = [blip_ms](const telemetry::event& e) { return e.ts_ms >= blip_ms; };
  for (std::size_t i = 0; i < node_count(); ++i) {
    const std::string n = node(i).name();
    EXPECT_TRUE(tc().saw(
        {.name = std::string(names::store_unavailable), .node = n, .pred = after_blip}, 20s));
    const auto recovered =
        tc().saw({.name = std::string(names::store_recovered), .node = n, .pred = after_blip}, 30s);
    // Which of the node's connections Redis sees, to tell a stuck reconnect from a slow one.
    EXPECT_TRUE(recovered) << "Redis CLIENT LIST now:\n" << client_list();
    EXPECT_TRUE(node(i).wait_ready(20s)) << n << " ready again after the blip";
  }
  ASSERT_TRUE(traffic.wait_for_progress(60, 20s)) << "traffic after the blip";
  ready.stop();
  traffic.finish();

  std::cout << "[ chaos    ] " << to_string(kind) << ": " << traffic.summary()
            << "; redis back after " << (back_ms - blip_ms) << " ms; readyz " << ready.describe()
            << std::endl;
  for (std::size_t i = 0; i < node_count(); ++i) {
    const auto seen = ready.of(i);
    EXPECT_GT(seen.not_ready, 0u) << node(i).name() << ": /readyz never answered 503 during the "
                                  << "outage: " << ready.describe();
    EXPECT_GT(seen.first_ready_after_ms, 0)
        << node(i).name() << ": /readyz not 200 after: " << ready.describe();
    // Outage and recovery come in that order on each node, once each per blip.
    const auto down = tc().events({.name = std::string(names::store_unavailable),
                                   .node = node(i).name(),
                                   .pred = after_blip});
    const auto up = tc().events(
        {.name = std::string(names::store_recovered), .node = node(i).name(), .pred = after_blip});
    if (!down.empty() && !up.empty()) {
      EXPECT_LE(down.front().ts_ms, up.back().ts_ms);
      EXPECT_EQ(down.size(), up.size()) << "every outage recovered:\n" << tc().dump();
    }
  }
  EXPECT_TRUE(no_problems(traffic.problems()));
  for (const auto* s : traffic.subscribers()) {
    EXPECT_TRUE(delivered_exactly_once(*s, traffic.producer_of(*s)));
  }
  // Resumes (if a node ended a subscription during the outage) carry their telemetry too.
  check_resume_telemetry(tc(), traffic.subscribers(), traffic.end_seqs(), false);
}

class redis_reread_test : public chaos_fixture {};

// After a restart the subscriber connection may be back before a worker's command connection:
// subscriptions are told to re-read while reads still fail. A node must keep serving meanwhile
// (its /readyz answering, its own connections reconnecting), not spin its workers.
TEST_F(redis_reread_test, subscriptions_waiting_to_reread_after_a_restart_do_not_stall_their_node) {
  start_redis({"--appendonly", "yes", "--appendfsync", "always"});
  auto cfg = node_config(store_kind::redis);
  cfg.heartbeat = 250ms;  // overdue heartbeats while a re-read waits are the trigger
  add_node("n1", cfg);
  add_node("n2", cfg);
  const auto deadline = steady::now() + 60s;
  std::vector<std::unique_ptr<chaos_producer>> producers;
  std::vector<std::unique_ptr<sse_client>> subs;
  for (int s = 0; s < 4; ++s) {
    const std::string id = "chaos-reread-" + std::to_string(s);
    producers.push_back(std::make_unique<chaos_producer>(id, fixed(0)));
    ASSERT_TRUE(producers.back()->append({{chaos_data(id, 1, 10), "", 1}}, deadline));
    for (std::size_t n = 0; n < node_count(); ++n) {
      for (int j = 0; j < 3; ++j) {
        subs.push_back(std::make_unique<sse_client>("127.0.0.1", node(n).port(),
                                                    "/v1/streams/" + id + "/events"));
        ASSERT_EQ(subs.back()->status(), 200);
        ASSERT_TRUE(subs.back()->next_event(5s));
      }
    }
  }
  readiness_monitor ready({node(0).where(), node(1).where()}, 10ms);
  const long long blip_ms = telemetry::now_unix_ms();
  redis().stop(false);
  std::this_thread::sleep_for(3s);
  redis().start();
  const auto after_blip = [blip_ms](const telemetry::event& e) { return e.ts_ms >= blip_ms; };
  bool recovered = true;
  for (std::size_t i = 0; i < node_count(); ++i) {
    const auto r = tc().saw(
        {.name = std::string(names::store_recovered), .node = node(i).name(), .pred = after_blip},
        15s);
    EXPECT_TRUE(r) << "Redis CLIENT LIST now:\n" << redis().command("CLIENT", "LIST").str;
    recovered = recovered && r;
  }
  std::this_thread::sleep_for(1s);
  ready.stop();
  for (std::size_t i = 0; i < node_count(); ++i) {
    EXPECT_EQ(ready.of(i).other, 0u)
        << node(i).name() << ": /readyz went unanswered (1 s timeout): " << ready.describe();
  }
  if (!recovered) {
    return;  // delivery cannot be checked on a node that never came back (it would only wait)
  }
  const auto short_deadline = steady::now() + 15s;
  for (auto& p : producers) {
    ASSERT_TRUE(p->append({{chaos_data(p->stream(), 2, 10), "", 1}}, short_deadline))
        << no_problems(p->problems()).message();
  }
  for (auto& c : subs) {
    const auto e = c->next_event(5s);
    ASSERT_TRUE(e) << "a subscriber got nothing after the restart";
    EXPECT_EQ(split_event_id(e->id).value_or(std::make_pair(std::string(), seq_t{0})).second, 2u);
  }
}

INSTANTIATE_TEST_SUITE_P(blips, redis_blip_test,
                         ::testing::Values(blip::pause, blip::client_kill, blip::restart),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace sse::test
