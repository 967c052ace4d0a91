// Limits end to end: each limit hit over real sockets, answered with its status and
// counted in /metrics, while another client keeps being served.

#include <chrono>
#include <string>

#include "gateway_test.hpp"
#include "json_lines.hpp"

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

/// An NDJSON batch of `n` events with empty data.
std::string empty_events(std::size_t n) {
  std::string body;
  body.reserve(n * 12);
  for (std::size_t i = 0; i < n; ++i) {
    body += "{\"data\":\"\"}\n";
  }
  return body;
}

std::string message_of(const http_response& r) {
  return std::string(r.json_object().at("message").as_string());
}

// One append is one Redis script, and Redis answers nobody while it runs: a batch is bounded
// in events (--max-batch-events) as well as in bytes, and one over it stores nothing.
TEST_F(limits_test, batch_over_max_batch_events_is_413_naming_the_limit_and_stores_nothing) {
  start();
  // 340,000 empty events: 4 MB, within --max-body-bytes, far over the 1000 events of a batch.
  auto huge = http().post(events_path("big"), empty_events(340'000), "application/x-ndjson");
  ASSERT_TRUE(is_api_error(huge, 413, "too_large")) << huge.describe();
  EXPECT_NE(message_of(huge).find("1000 events (--max-batch-events)"), std::string::npos)
      << huge.describe();
  auto one_over = http().post(events_path("big"), empty_events(1001), "application/x-ndjson");
  ASSERT_TRUE(is_api_error(one_over, 413, "too_large")) << one_over.describe();
  EXPECT_TRUE(is_api_error(http().get(stream_path("big")), 404)) << "nothing stored";

  auto at_limit = http().post(events_path("big"), empty_events(1000), "application/x-ndjson");
  ASSERT_EQ(at_limit.status, 200) << at_limit.describe();
  EXPECT_EQ(json_int(at_limit.json_object(), "last_seq"), 1000);

  start({"--max-batch-events", "10"});
  EXPECT_TRUE(
      is_api_error(http().post(events_path("b"), empty_events(11), "application/x-ndjson"), 413));
  EXPECT_EQ(http().post(events_path("b"), empty_events(10), "application/x-ndjson").status, 200);
}

// Empty events are not free: each counts 64 bytes against --buffer-max-bytes and a batch's
// events against --max-body-bytes (README, Limits).
TEST_F(limits_test, every_event_counts_64_bytes_against_the_byte_limits) {
  start({"--buffer-max-bytes", "640", "--max-body-bytes", "32KiB"});
  auto a = http().post(events_path("e"), empty_events(25), "application/x-ndjson");
  ASSERT_EQ(a.status, 200) << a.describe();
  EXPECT_EQ(json_int(a.json_object(), "trimmed"), 15) << a.describe();
  const auto i = info("e");
  EXPECT_EQ(json_int(i, "buffered_count"), 10);
  EXPECT_EQ(json_int(i, "buffered_bytes"), 640);

  // 600 empty events: a 7 KB body that counts 600 * 64 = 38,400 bytes, over 32 KiB.
  auto counted = http().post(events_path("f"), empty_events(600), "application/x-ndjson");
  ASSERT_TRUE(is_api_error(counted, 413, "too_large")) << counted.describe();
  EXPECT_NE(message_of(counted).find("--max-body-bytes"), std::string::npos) << counted.describe();
  EXPECT_TRUE(is_api_error(http().get(stream_path("f")), 404)) << "nothing stored";
}

// A client cannot make a stream hold more than the server allows, nor keep it for centuries;
// values past what a time_point holds (ttl_seconds > 7.4e9) are refused, not wrapped.
TEST_F(limits_test, put_beyond_max_buffer_limit_or_max_ttl_is_400_naming_field_and_cap) {
  start();
  struct over {
    std::string body;
    std::string names;
  };
  for (const auto& o : std::vector<over>{
           {R"({"buffer_limit":1000000000000})", "\"buffer_limit\" is over the limit of 65536"},
           {R"({"buffer_limit":65537})", "(--max-buffer-limit)"},
           {R"({"ttl_seconds":7411111111})", "\"ttl_seconds\" is over the limit of 604800"},
           {R"({"ttl_seconds":7500000000})", "(--max-ttl)"},
           {R"({"ttl_seconds":9223372036854775807})", "(--max-ttl)"},
           {R"({"ttl_seconds":604801})", "(--max-ttl)"}}) {
    SCOPED_TRACE(o.body);
    auto r = http().put(stream_path("capped"), o.body);
    ASSERT_TRUE(is_api_error(r, 400, "invalid_argument")) << r.describe();
    EXPECT_NE(message_of(r).find(o.names), std::string::npos) << r.describe();
  }
  EXPECT_TRUE(is_api_error(http().get(stream_path("capped")), 404)) << "nothing created";
  auto at_caps =
      http().put(stream_path("capped"), R"({"buffer_limit":65536,"ttl_seconds":604800})");
  ASSERT_EQ(at_caps.status, 201) << at_caps.describe();
  const auto i = info("capped");
  EXPECT_EQ(json_int(i, "buffer_limit"), 65536);
  EXPECT_GT(json_int(i, "expires_in_seconds").value_or(0), 604000) << "not expiring at once";

  start({"--max-buffer-limit", "50", "--buffer-limit", "50", "--max-ttl", "1h"});
  EXPECT_TRUE(is_api_error(http().put(stream_path("s"), R"({"buffer_limit":51})"), 400));
  EXPECT_TRUE(is_api_error(http().put(stream_path("s"), R"({"ttl_seconds":3601})"), 400));
  EXPECT_EQ(http().put(stream_path("s"), R"({"buffer_limit":50,"ttl_seconds":3600})").status, 201);
}

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
  // Exactly one Retry-After, the documented 5 (the node's capacity, not error_response's 1).
  EXPECT_EQ(c.headers.count("Retry-After"), 1u) << c.describe();
  EXPECT_EQ(c.header("Retry-After").value_or(""), "5") << c.describe();
  auto c2 = http().post(events_path("c"), R"({"data":"x"})");
  EXPECT_EQ(c2.status, 503) << "an append that would create a stream";
  EXPECT_EQ(c2.headers.count("Retry-After"), 1u) << c2.describe();
  EXPECT_EQ(c2.header("Retry-After").value_or(""), "5") << c2.describe();
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
  EXPECT_EQ(s3->headers().count("Retry-After"), 1u);
  EXPECT_EQ(find_header(s3->headers(), "Retry-After").value_or(""), "5");
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
