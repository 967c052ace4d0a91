// The listener under bursts of connections (the accept loop takes whatever is queued in one
// turn) and SSE connections reset by their clients: the gateway notices the reset by itself and
// its connection gauges fall back, without writing to the connection first.

#include <string>
#include <vector>

#include "gateway_test.hpp"

namespace sse::test {
namespace {

class accept_test : public gateway_test {};

TEST_F(accept_test, every_connection_of_a_burst_is_served) {
  start();
  constexpr int burst = 300;
  http_client opener(gw().host(), gw().port());
  // All connected before any request is sent: they wait in the listen queue together.
  std::vector<raw_connection> conns;
  conns.reserve(burst);
  for (int i = 0; i < burst; ++i) {
    conns.push_back(opener.raw_connect());
  }
  for (auto& c : conns) {
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  }
  int served = 0;
  for (auto& c : conns) {
    c.wait_closed(10s);
    if (c.received().starts_with("HTTP/1.1 200")) {
      ++served;
    }
  }
  EXPECT_EQ(served, burst);
}

TEST_F(accept_test, reset_sse_connections_are_noticed_without_a_write) {
  // A heartbeat far away: nothing is written to the idle subscriptions during the test, so only
  // the peer-close watch can notice the resets.
  start({"--heartbeat", "300s"});
  constexpr int subscribers = 40;
  for (int i = 0; i < 4; ++i) {
    append("rst-" + std::to_string(i), "x");
  }
  http_client opener(gw().host(), gw().port());
  std::vector<raw_connection> conns;
  conns.reserve(subscribers);
  for (int i = 0; i < subscribers; ++i) {
    conns.push_back(opener.raw_connect());
    const std::string stream = "rst-" + std::to_string(i % 4);
    ASSERT_TRUE(conns.back().send("GET " + events_path(stream) +
                                  " HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n"));
  }
  for (auto& c : conns) {
    EXPECT_NE(c.receive_until("\r\n\r\n", 10s).find("200"), std::string::npos);
  }
  double sse_open = 0;
  EXPECT_TRUE(bounded_wait(
      [&] {
        sse_open = metric_value(scrape_metrics(), "sse_gateway_sse_connections_open").value_or(-1);
        return sse_open == subscribers;
      },
      10s, 50ms))
      << sse_open;

  for (auto& c : conns) {
    c.close_abruptly();
  }
  double conns_open = 0;
  EXPECT_TRUE(bounded_wait(
      [&] {
        const std::string m = scrape_metrics();
        sse_open = metric_value(m, "sse_gateway_sse_connections_open").value_or(-1);
        // The scrape's own connection may still be counted.
        conns_open = metric_value(m, "sse_gateway_connections_open").value_or(-1);
        return sse_open == 0 && conns_open <= 1;
      },
      10s, 50ms))
      << "sse open " << sse_open << ", connections open " << conns_open;
}

}  // namespace
}  // namespace sse::test
