// sse_gateway_bytes_written_total{protocol=...}: what each framing wrote, counted where it
// writes, checked against what real clients (curl over HTTP/1.1 and over h2c) received.

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "http_client.hpp"
#include "metric_value.hpp"

namespace sse::test::h2 {
namespace {

/// /metrics read over HTTP/1.1: the text, and the bytes curl received for it (status line,
/// fields and body: what the gateway wrote, a Content-Length answer having no other framing).
struct metrics_read {
  std::string text;
  double received = 0;
  double http1 = -1;
  double http2 = -1;
};

metrics_read read_metrics(const gateway_process& gw) {
  const auto r =
      run_tool("curl", {"-s", "--http1.1", "--max-time", "20", "-w",
                        "\n%{size_header} %{size_download}", gw.base_url() + "/metrics"});
  metrics_read m;
  const auto nl = r.out.rfind('\n');
  if (r.exit_code != 0 || nl == std::string::npos) {
    ADD_FAILURE() << "curl /metrics exited " << r.exit_code << ": " << r.err;
    return m;
  }
  m.text = r.out.substr(0, nl);
  const std::string sizes = r.out.substr(nl + 1);
  const auto sp = sizes.find(' ');
  m.received = std::stod(sizes.substr(0, sp)) + std::stod(sizes.substr(sp + 1));
  m.http1 =
      metric_value(m.text, R"(sse_gateway_bytes_written_total{protocol="http1"})").value_or(-1);
  m.http2 =
      metric_value(m.text, R"(sse_gateway_bytes_written_total{protocol="http2"})").value_or(-1);
  return m;
}

TEST(h2_bytes, bytes_written_are_counted_by_protocol_where_each_framing_writes) {
  gateway_options o;
  o.args = {"--auth", "none"};
  o.name = "h2-bytes";
  gateway_process gw(o);

  // A stream with events, over h2c only, read to its end as SSE.
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/b").status, 201);
  const std::string payload(2000, 'p');
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        curl(true, "POST", gw.base_url() + "/v1/streams/b/events",
             {"-H", "Content-Type: application/json", "--data", R"({"data":")" + payload + R"("})"})
            .status,
        200);
  }
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/b/end").status, 200);

  const metrics_read first = read_metrics(gw);
  ASSERT_GE(first.http1, 0) << first.text;
  ASSERT_GE(first.http2, 0) << first.text;
  EXPECT_EQ(first.http1, 0) << "nothing was written over HTTP/1.1 before this read";
  // The h2c requests above: at least their answers' bodies, which hold the events' ids and more.
  EXPECT_GT(first.http2, 7 * 9) << "HEADERS and DATA frames of 7 answers";

  const auto sse = curl(true, "GET", gw.base_url() + "/v1/streams/b/events");
  ASSERT_EQ(sse.http_version, "2");
  ASSERT_EQ(count_of(sse.body, payload), 5u);
  const metrics_read second = read_metrics(gw);
  // HTTP/1.1 wrote exactly the first /metrics answer in between; the SSE answer went over h2:
  // its body plus the frames' 9-byte heads, the HEADERS block and the session's control frames.
  EXPECT_EQ(second.http1 - first.http1, first.received);
  const double h2_sse = second.http2 - first.http2;
  EXPECT_GT(h2_sse, static_cast<double>(sse.body.size())) << second.text;
  EXPECT_LT(h2_sse, static_cast<double>(sse.body.size()) + 1024) << second.text;

  // The same stream over HTTP/1.1 (chunked SSE, through the h1 sink): counted as http1, and
  // nothing more over h2.
  const auto sse_h1 = curl(false, "GET", gw.base_url() + "/v1/streams/b/events");
  ASSERT_EQ(sse_h1.http_version, "1.1");
  ASSERT_EQ(count_of(sse_h1.body, payload), 5u);
  const metrics_read third = read_metrics(gw);
  EXPECT_EQ(third.http2, second.http2);
  const double h1_sse = third.http1 - second.http1 - second.received;
  EXPECT_GT(h1_sse, static_cast<double>(sse_h1.body.size())) << "status line, fields, chunks";
  EXPECT_LT(h1_sse, static_cast<double>(sse_h1.body.size()) + 1024) << third.text;

  // A body sent after `Expect: 100-continue` over HTTP/1.1: the interim `100 Continue` counts
  // with the answer, exactly what curl received (its header count takes both heads in).
  const auto post =
      run_tool("curl", {"-s", "--http1.1", "--max-time", "20", "-o", "/dev/null", "-w",
                        "%{size_header} %{size_download} %{http_code}", "-H",
                        "Expect: 100-continue", "-H", "Content-Type: application/json", "--data",
                        R"({"data":"z"})", gw.base_url() + "/v1/streams/c/events"});
  ASSERT_EQ(post.exit_code, 0) << post.err;
  std::istringstream sizes(post.out);
  double head = 0;
  double body = 0;
  int status = 0;
  sizes >> head >> body >> status;
  EXPECT_EQ(status, 200) << post.out;  // the stream is created by its first append
  const metrics_read fourth = read_metrics(gw);
  EXPECT_EQ(fourth.http1 - third.http1, third.received + head + body);
  EXPECT_EQ(fourth.http2, third.http2);
}

// Answers written before any request is read count too: the 503 to a connection over
// --max-connections. Every byte any client here received is summed; the counter must have grown
// by exactly that.
TEST(h2_bytes, refusals_at_accept_count_exactly_the_bytes_the_clients_received) {
  using namespace std::chrono_literals;
  gateway_process gw(h2_gateway({"--max-connections", "2"}));
  const metrics_read before = read_metrics(gw);
  ASSERT_GE(before.http1, 0) << before.text;
  double received = before.received;  // the /metrics answer itself is counted after it is read

  http_client c(gw.host(), gw.port());
  auto a = c.raw_connect();
  auto b = c.raw_connect();
  // Until the gateway has taken both places, a third connection may still be accepted (it
  // receives nothing and is closed); then every further one is refused with a 503.
  int refusals = 0;
  for (int attempt = 0; attempt < 50 && refusals < 3; ++attempt) {
    auto extra = c.raw_connect();
    const std::string got = extra.receive(300ms);
    received += static_cast<double>(got.size());
    if (got.starts_with("HTTP/1.1 503 ")) {
      ++refusals;
      EXPECT_TRUE(extra.closed_by_peer()) << got;
      EXPECT_NE(got.find("too_many_connections"), std::string::npos) << got;
    } else {
      EXPECT_TRUE(got.empty()) << got;
    }
  }
  ASSERT_EQ(refusals, 3);
  a.close();
  b.close();

  // /metrics needs a place again; a curl refused meanwhile received a 503, counted as well.
  metrics_read after;
  ASSERT_TRUE(bounded_wait(
      [&] {
        after = read_metrics(gw);
        if (after.http1 < 0) {
          received += after.received;
          return false;
        }
        return true;
      },
      10s))
      << after.text;
  EXPECT_EQ(after.http1 - before.http1, received)
      << "the counter grew by " << after.http1 - before.http1 << ", the clients received "
      << received;
}

}  // namespace
}  // namespace sse::test::h2
