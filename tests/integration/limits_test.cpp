// Limits end to end (issue 8): each limit hit over real sockets, answered with its status and
// counted in /metrics, while another client keeps being served.

#include <chrono>
#include <string>

#include "gateway_test.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class limits_test : public gateway_test {
 protected:
  double rejections(std::string_view limit) {
    return metric_value(scrape_metrics(),
                        "sse_gateway_limit_rejections_total{limit=\"" + std::string(limit) + "\"}")
        .value_or(-1);
  }
  void expect_still_served() {
    auto ok = http().get("/healthz");
    EXPECT_EQ(ok.status, 200) << "another client is still served";
  }
};

TEST_F(limits_test, connections_per_ip_429) {
  start({"--max-connections-per-ip", "3"});
  ASSERT_EQ(http().get("/healthz").status, 200);  // the keep-alive connection: 1
  std::vector<raw_connection> held;
  held.push_back(http().raw_connect());
  held.push_back(http().raw_connect());  // 3 in all
  const std::string refused = http().raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 429")) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("too_many_connections_from_address"), std::string::npos);
  expect_still_served();
  held.clear();
  EXPECT_TRUE(bounded_wait(
      [&] {
        return http()
            .raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2s)
            .starts_with("HTTP/1.1 200");
      },
      5s))
      << "places come back when connections close";
  EXPECT_GE(rejections("connections_per_ip"), 1);
}

TEST_F(limits_test, append_token_bucket_429_with_retry_after) {
  start({"--append-rate", "1", "--append-burst", "3"});
  for (int i = 0; i < 3; ++i) {
    append("a", "e" + std::to_string(i));
  }
  auto limited = http().post(events_path("a"), R"({"data":"x"})");
  EXPECT_TRUE(is_api_error(limited, 429, "rate_limited")) << limited.describe();
  ASSERT_TRUE(limited.header("Retry-After"));
  EXPECT_GE(std::stoi(*limited.header("Retry-After")), 1);
  // Reads are not appends: still served; the refused append appended nothing.
  EXPECT_EQ(info("a").at("last_seq").as_int64(), 3);
  EXPECT_GE(rejections("append_rate"), 1);
  EXPECT_TRUE(bounded_wait(
      [&] { return http().post(events_path("a"), R"({"data":"later"})").status == 200; }, 5s))
      << "the bucket refills at the configured rate";
}

TEST_F(limits_test, header_size_and_count_431) {
  start({"--max-header-bytes", "2KiB", "--max-header-count", "10"});
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20; ++i) {
    many += "X-H" + std::to_string(i) + ": v\r\n";
  }
  const std::string a = http().raw_exchange(many + "\r\n", 5s);
  EXPECT_TRUE(a.starts_with("HTTP/1.1 431")) << a;
  const std::string big =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n";
  const std::string b = http().raw_exchange(big, 5s);
  EXPECT_TRUE(b.starts_with("HTTP/1.1 431")) << b;
  expect_still_served();
  EXPECT_GE(rejections("headers"), 2);
}

TEST_F(limits_test, slow_loris_headers_and_slow_body_408) {
  start({"--header-timeout", "1s", "--request-timeout", "2s"});
  auto slow_headers = http().raw_connect();
  ASSERT_TRUE(slow_headers.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finished
  auto slow_body = http().raw_connect();
  ASSERT_TRUE(slow_body.send(
      "POST /v1/streams/a/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"data\":"));
  expect_still_served();
  EXPECT_TRUE(slow_headers.wait_closed(10s));
  EXPECT_TRUE(slow_headers.received().starts_with("HTTP/1.1 408")) << slow_headers.received();
  EXPECT_TRUE(slow_body.wait_closed(10s));
  EXPECT_TRUE(slow_body.received().starts_with("HTTP/1.1 408")) << slow_body.received();
  EXPECT_GE(rejections("request_timeout"), 2);
  // An idle connection that sent nothing is closed without an answer.
  auto idle = http().raw_connect();
  EXPECT_TRUE(idle.wait_closed(10s));
  EXPECT_EQ(idle.received(), "");
}

TEST_F(limits_test, max_streams_503) {
  start({"--max-streams", "2"});
  EXPECT_EQ(http().put(stream_path("a")).status, 201);
  append("b", "x");
  auto c = http().put(stream_path("c"));
  EXPECT_TRUE(is_api_error(c, 503, "too_many_streams")) << c.describe();
  EXPECT_TRUE(c.header("Retry-After"));
  auto c2 = http().post(events_path("c"), R"({"data":"x"})");
  EXPECT_EQ(c2.status, 503) << "an append that would create a stream";
  append("a", "existing streams go on");
  EXPECT_EQ(http().put(stream_path("a")).status, 200);
  EXPECT_GE(rejections("max_streams"), 2);
  EXPECT_EQ(http().del(stream_path("b")).status, 204);
  EXPECT_EQ(http().put(stream_path("c")).status, 201) << "room again after a delete";
}

TEST_F(limits_test, max_subscribers_per_stream_503) {
  start({"--max-subscribers-per-stream", "2"});
  append("a", "one");
  auto s1 = subscribe("a");
  auto s2 = subscribe("a");
  ASSERT_EQ(s1->status(), 200);
  ASSERT_EQ(s2->status(), 200);
  auto s3 = subscribe("a");
  EXPECT_EQ(s3->status(), 503);
  auto other = subscribe("b-missing");
  EXPECT_EQ(other->status(), 404) << "other streams are not affected";
  auto s1_event = s1->next_event(5s);
  ASSERT_TRUE(s1_event);
  EXPECT_EQ(s1_event->data, "one");
  EXPECT_GE(rejections("subscribers_per_stream"), 1);
  s2->close();
  EXPECT_TRUE(bounded_wait(
      [&] {
        auto again = subscribe("a");
        return again->status() == 200;
      },
      5s))
      << "a place comes back when a subscriber leaves";
}

}  // namespace
}  // namespace sse::test
