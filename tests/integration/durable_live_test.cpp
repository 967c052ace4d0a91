// The Durable Streams door's live reads (live=sse, live=long-poll) against the process: they end
// cleanly at shutdown, and an SSE reader that leaves is noticed at once.
#include <chrono>
#include <csignal>
#include <string>

#include "gateway_test.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class durable_live_test : public gateway_test {
 protected:
  void create(const std::string& path) {
    auto res = http().put("/v1/stream/" + path, {}, {{"Content-Type", "text/plain"}});
    ASSERT_EQ(res.status, 201) << res.describe();
  }
  std::unique_ptr<sse_client> live_sse(const std::string& path) {
    return std::make_unique<sse_client>(gw().host(), gw().port(),
                                        "/v1/stream/" + path + "?offset=-1&live=sse");
  }
  double connections_open() {
    return metric_value(scrape_metrics(), "sse_gateway_connections_open").value_or(-1);
  }
};

TEST_F(durable_live_test, sigterm_ends_live_sse_and_long_poll_reads_and_exits_0_within_grace) {
  constexpr auto grace = 4s;
  start({"--shutdown-grace", "4s"});
  create("sd");
  auto sse = live_sse("sd");
  ASSERT_EQ(sse->status(), 200);
  ASSERT_TRUE(sse->next_event(5s)) << "the first control event";
  raw_connection poll = http().raw_connect();
  ASSERT_TRUE(poll.send("GET /v1/stream/sd?offset=-1&live=long-poll HTTP/1.1\r\nHost: t\r\n\r\n"));
  // Nothing comes while the stream is empty: the long-poll is waiting (its timeout is 20 s).
  ASSERT_EQ(poll.receive(300ms), "");

  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_TRUE(gw().process().signal(SIGTERM));
  // The body runs up to the close (the head says `Connection: close`): done means closed.
  sse->body_text(10s);
  EXPECT_TRUE(sse->response_done()) << "the response must end: " << sse->last_error() << "\n"
                                    << sse->raw_body();
  EXPECT_TRUE(poll.wait_closed(10s)) << poll.received();
  EXPECT_TRUE(poll.received().starts_with("HTTP/1.1 204")) << poll.received();
  EXPECT_NE(poll.received().find("Stream-Next-Offset"), std::string::npos) << poll.received();

  const auto status = gw().process().wait_exit(10s);
  ASSERT_TRUE(status) << "still running 10 s after SIGTERM\n" << gw().diagnostics();
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status) << "\n"
                                             << gw().diagnostics();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, grace)
      << "the live reads must end when asked, not when the grace runs out";
}

TEST_F(durable_live_test, a_live_sse_reader_that_leaves_is_noticed_before_the_next_keep_alive) {
  start();
  create("gone");
  const double before = connections_open();
  auto sse = live_sse("gone");
  ASSERT_EQ(sse->status(), 200);
  ASSERT_TRUE(sse->next_event(5s)) << "the first control event";
  ASSERT_EQ(connections_open(), before + 1);
  sse->close_abruptly();
  // Keep-alives go out every 15 s: the connection must be let go long before the next one.
  EXPECT_TRUE(bounded_wait([&] { return connections_open() == before; }, 3s, 50ms))
      << "connections open: " << connections_open() << ", before the reader: " << before;
}

}  // namespace
}  // namespace sse::test
