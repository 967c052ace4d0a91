// The Durable Streams door (/v1/stream/{path}) as API v1's neighbour: its streams are out of
// v1's reach (ids starting with "ds:" are refused there), v1's limits apply to it, and /metrics
// and telemetry count what it does. The protocol itself is the conformance suite's
// (tests/durable).

#include <chrono>
#include <string>

#include "gateway_test.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class durable_door : public gateway_test {
 protected:
  static std::string ds_path(std::string_view path) { return "/v1/stream/" + std::string(path); }
  http_response create(std::string_view path, std::string body = {}) {
    return http().put(ds_path(path), std::move(body), {{"Content-Type", "text/plain"}});
  }
  http_response append_text(std::string_view path, std::string body) {
    return http().post(ds_path(path), std::move(body), "text/plain");
  }
  double metric(std::string_view sample) {
    return metric_value(scrape_metrics(), sample).value_or(-1);
  }
};

TEST_F(durable_door, api_v1_refuses_ds_ids_so_the_two_doors_never_share_a_stream) {
  start();
  ASSERT_EQ(create("chat", "hello").status, 201);
  // The DS stream "chat" is the store stream "ds:chat": v1 may neither read nor write it.
  EXPECT_TRUE(is_api_error(http().get(stream_path("ds:chat")), 400, "invalid_stream_id"));
  EXPECT_TRUE(is_api_error(http().post(events_path("ds:chat"), R"({"data":"x"})"), 400,
                           "invalid_stream_id"));
  EXPECT_TRUE(is_api_error(http().put(stream_path("ds:new"), "{}"), 400, "invalid_stream_id"));
  EXPECT_TRUE(is_api_error(http().del(stream_path("ds:chat")), 400, "invalid_stream_id"));
  auto sub = subscribe("ds:chat");
  EXPECT_EQ(sub->status(), 400);
  auto refused = http().get(stream_path("ds:chat"));
  EXPECT_NE(refused.json_object().at("message").as_string().find("\"ds:\""), std::string::npos)
      << refused.describe();
  // Untouched, and still the DS door's.
  auto read = http().get(ds_path("chat?offset=-1"));
  EXPECT_EQ(read.status, 200) << read.describe();
  EXPECT_EQ(read.body, "hello");
  // Ids that merely look alike stay v1's own.
  EXPECT_EQ(http().put(stream_path("ds.chat")).status, 201);
}

TEST_F(durable_door, v1_limits_apply_to_the_door) {
  start({"--append-rate", "1", "--append-burst", "1", "--max-streams", "2",
         "--max-subscribers-per-stream", "1", "--durable-long-poll-timeout", "3s"});
  ASSERT_EQ(create("a").status, 201);
  EXPECT_EQ(append_text("a", "one").status, 204);
  auto limited = append_text("a", "two");
  EXPECT_TRUE(is_api_error(limited, 429, "rate_limited")) << limited.describe();
  EXPECT_TRUE(limited.header("Retry-After").has_value()) << limited.describe();
  EXPECT_GE(metric("sse_gateway_limit_rejections_total{limit=\"append_rate\"}"), 1);

  ASSERT_EQ(create("b").status, 201);
  auto full = create("c");
  EXPECT_TRUE(is_api_error(full, 503, "too_many_streams")) << full.describe();
  EXPECT_EQ(create("a").status, 200) << "an existing stream is no new one";

  // One live reader per stream: a second live read is refused, a catch-up read is not live.
  sse_request req;
  req.target = ds_path("a?offset=-1&live=sse");
  sse_client live(gw().host(), gw().port(), req);
  ASSERT_EQ(live.status(), 200);
  auto second = http().get(ds_path("a?offset=now&live=long-poll"));
  EXPECT_TRUE(is_api_error(second, 503, "too_many_subscribers")) << second.describe();
  EXPECT_EQ(http().get(ds_path("a?offset=-1")).status, 200);
  EXPECT_GE(metric("sse_gateway_limit_rejections_total{limit=\"subscribers_per_stream\"}"), 1);
}

TEST_F(durable_door, metrics_and_telemetry_count_what_the_door_does) {
  start();
  ASSERT_EQ(create("m", "first").status, 201);
  ASSERT_EQ(append_text("m", "second").status, 204);
  ASSERT_EQ(http().get(ds_path("m?offset=-1")).status, 200);
  ASSERT_EQ(http().request("HEAD", ds_path("m")).status, 200);
  {
    sse_request req;
    req.target = ds_path("m?offset=-1&live=sse");
    sse_client live(gw().host(), gw().port(), req);
    ASSERT_EQ(live.status(), 200);
    auto got = live.collect_until([](const parsed_event& e) { return e.event == "data"; }, 5s);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().data, "firstsecond");
  }
  ASSERT_EQ(http().post(ds_path("m"), {}, "text/plain", {{"Stream-Closed", "true"}}).status, 204);

  const std::string m = scrape_metrics();
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_requests_total{method=\"PUT\"}"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_requests_total{method=\"POST\"}"), 2) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_requests_total{method=\"HEAD\"}"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_requests_total{method=\"GET\"}"), 2) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_reads_total{mode=\"catch_up\"}"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_reads_total{mode=\"sse\"}"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_durable_appends_total"), 2) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_streams_created_total"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_streams_ended_total"), 1) << m;
  EXPECT_EQ(metric_value(m, "sse_gateway_events_appended_total"), 2) << m;

  // Counted once the write completes on the gateway's worker, which may trail the client's read.
  EXPECT_TRUE(
      bounded_wait([&] { return metric("sse_gateway_durable_sse_data_events_total") >= 1; }, 5s));

  auto is_m = [](const boost::json::object& o) { return o.at("stream").as_string() == "ds:m"; };
  EXPECT_TRUE(gw().wait_for_telemetry("SseStreamCreated", is_m));
  EXPECT_TRUE(gw().wait_for_telemetry("SseStreamEnded", is_m));
}

}  // namespace
}  // namespace sse::test
