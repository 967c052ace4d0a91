// Chaos scenario 4: two gateway nodes on one Redis; the node the subscribers read from dies
// abruptly with them connected, and they resume on the other node without loss.
//
// app::gateway has no hard stop (stop() drains gracefully: a final comment and chunk to every
// client), so the node that dies is the real sse-gateway binary in a child process, SIGKILLed;
// the surviving node runs in the test process with the telemetry collector attached.

#include <algorithm>
#include <atomic>

#include "bounded_wait.hpp"
#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "live_traffic.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

class node_loss_test : public chaos_fixture {};

TEST_F(node_loss_test, subscribers_of_a_killed_node_resume_on_the_other_without_loss) {
  if (gateway_process::default_binary().empty()) {
    GTEST_FAIL() << "the sse-gateway binary is not built (this scenario kills a real process)";
  }
  auto& survivor = add_node("n2", node_config(store_kind::redis));
  gateway_options go;
  go.name = "n1";
  go.args = {"--store", redis().url(), "--node-id", "n1", "--log-level", "warn"};
  // Access control is not what this scenario is about (and must be chosen explicitly).
  go.env = {{"SSE_GATEWAY_AUTH", "none"}};
  auto doomed = std::make_unique<gateway_process>(go);
  const endpoint lost{"n1", doomed->port()};
  ASSERT_TRUE(bounded_wait(
      [&] {
        try {
          return http_client("127.0.0.1", lost.port, 2s).get("/readyz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      10s, 50ms))
      << doomed->diagnostics();

  std::atomic<bool> lost_alive{true};
  traffic_options o;
  o.prefix = "chaos-nodeloss";
  o.subscribers_per_stream = 4;
  o.producer_pick = [&](std::uint64_t) { return fixed(0); };
  o.subscriber_pick = [&](std::uint64_t) -> node_picker {
    const endpoint other = survivor.where();
    return [&lost_alive, lost, other] { return lost_alive.load() ? lost : other; };
  };
  o.deadline = steady::now() + 60s;
  live_traffic traffic(o, seed());
  traffic.start();
  ASSERT_TRUE(traffic.wait_for_progress(100, 20s));
  const auto subs = traffic.subscribers();
  ASSERT_TRUE(bounded_wait(
      [&] {
        return std::all_of(subs.begin(), subs.end(),
                           [](const chaos_subscriber* s) { return s->received_seq() > 0; });
      },
      10s))
      << "every subscriber reads from the doomed node first";

  lost_alive = false;
  doomed->kill();
  ASSERT_TRUE(traffic.wait_for_progress(100, 20s)) << "traffic after the node loss";
  traffic.finish();
  std::cout << "[ chaos    ] node loss: " << traffic.summary() << std::endl;

  EXPECT_TRUE(no_problems(traffic.problems()));
  for (const auto* s : subs) {
    EXPECT_TRUE(delivered_exactly_once(*s, traffic.producer_of(*s)));
    ASSERT_FALSE(s->reconnects().empty()) << s->name() << " never left the killed node";
    const auto& r = s->reconnects().front();
    EXPECT_EQ(r.node, "n2") << s->name();
    EXPECT_EQ(r.cause, reconnect_cause::server_closed) << s->name() << ": " << to_string(r.cause);
    EXPECT_EQ(s->final_node(), "n2");
    EXPECT_EQ(s->received_from().front(), "n1") << s->name();
  }
  // The surviving node saw one attempt, one success and one live end per moved subscriber.
  check_resume_telemetry(tc(), subs, traffic.end_seqs(), false);
  EXPECT_TRUE(tc().none({.name = std::string(names::store_unavailable)}))
      << "losing a peer node is not a store outage";
}

}  // namespace
}  // namespace sse::test
