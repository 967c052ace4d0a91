// The API refuses what it does not understand instead of ignoring it. Unknown or
// mistyped fields in JSON bodies are 400 naming the field; a PUT that asks an existing stream
// for other limits is 409 stream_config_differs naming each field; HEAD answers like GET on the
// probe paths. On a real gateway process, with the memory store and with a real redis-server.
#include <boost/json/serialize.hpp>

#include "gateway_test.hpp"
#include "json_lines.hpp"
#include "redis_server.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

// One redis-server for the Redis runs of this file (FLUSHALL before each test).
redis_server& shared_redis() {
  static redis_server server;
  return server;
}

class strict_api_test : public gateway_test, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    // Known defaults on both stores: 256 events, one hour.
    std::vector<std::string> args{"--buffer-limit", "256", "--ttl", "1h"};
    if (GetParam() == "redis") {
      shared_redis().command("FLUSHALL");
      args.insert(args.end(), {"--store", shared_redis().url()});
    }
    start(args);
    // A Redis node listens before its links are up: wait until it says it is ready.
    ASSERT_TRUE(bounded_wait([&] { return http().get("/readyz").status == 200; }, 10s));
  }

  /// `res` is the API error `status`/`code` and its message contains every one of `parts`.
  static ::testing::AssertionResult refused(const http_response& res, int status,
                                            std::string_view code,
                                            std::initializer_list<std::string_view> parts) {
    auto r = is_api_error(res, status, code);
    if (!r) {
      return r;
    }
    const std::string message(json_string(res.json_object(), "message").value_or(""));
    for (auto part : parts) {
      if (message.find(part) == std::string::npos) {
        return ::testing::AssertionFailure()
               << "the message does not name " << part << ": " << message;
      }
    }
    return ::testing::AssertionSuccess();
  }

  http_response put(std::string_view stream, std::string body) {
    return http().put(stream_path(stream), std::move(body), {{"Content-Type", "application/json"}});
  }
};

TEST_P(strict_api_test, unknown_or_mistyped_stream_options_are_400_naming_the_field) {
  // The old relay spelling and a guess at a duration: the right spelling is named.
  EXPECT_TRUE(refused(put("s", R"({"ttl":"1h"})"), 400, "invalid_argument",
                      {"unknown field \"ttl\"", "\"ttl_seconds\""}));
  EXPECT_TRUE(refused(put("s", R"({"buffer_limt":5})"), 400, "invalid_argument",
                      {"\"buffer_limt\"", "did you mean \"buffer_limit\""}));
  EXPECT_TRUE(refused(put("s", R"({"buffer_limit":5,"colour":"red"})"), 400, "invalid_argument",
                      {"\"colour\"", "known fields: \"buffer_limit\", \"ttl_seconds\""}));
  // Wrong types name the field and what came instead.
  EXPECT_TRUE(refused(put("s", R"({"ttl_seconds":"1h"})"), 400, "invalid_argument",
                      {"\"ttl_seconds\"", "not a string"}));
  EXPECT_TRUE(refused(put("s", R"({"buffer_limit":"5"})"), 400, "invalid_argument",
                      {"\"buffer_limit\"", "not a string"}));
  EXPECT_TRUE(refused(put("s", R"({"buffer_limit":2.5})"), 400, "invalid_argument",
                      {"\"buffer_limit\"", "fraction"}));
  // Nothing was created by any of them; the right spelling works.
  EXPECT_TRUE(is_api_error(http().get(stream_path("s")), 404, "stream_not_found"));
  const auto ok = put("s", R"({"buffer_limit":5,"ttl_seconds":60})");
  EXPECT_EQ(ok.status, 201) << ok.describe();
  EXPECT_EQ(json_int(info("s"), "buffer_limit"), 5);
}

TEST_P(strict_api_test, unknown_event_fields_are_400_naming_the_field_and_append_nothing) {
  append("keep", "one");
  const auto post = [&](std::string body) {
    return http().post(events_path("keep"), std::move(body), "application/json");
  };
  // A producer that thinks it picks the id: told who does.
  EXPECT_TRUE(refused(post(R"({"data":"x","id":"5"})"), 400, "invalid_event",
                      {"unknown field \"id\"", "Producer-Seq"}));
  EXPECT_TRUE(refused(post(R"({"data":"x","type":"delta"})"), 400, "invalid_event",
                      {"\"type\"", "did you mean \"event\""}));
  EXPECT_TRUE(refused(post(R"({"data":"x","prority":3})"), 400, "invalid_event",
                      {"\"prority\"", "did you mean \"priority\""}));
  EXPECT_TRUE(refused(post(R"({"data":5})"), 400, "invalid_event", {"\"data\"", "not an integer"}));
  EXPECT_TRUE(refused(post(R"({"data":"x","priority":"3"})"), 400, "invalid_event",
                      {"\"priority\"", "not a string"}));
  // NDJSON: the line and the field are named; the whole batch is refused.
  const auto batch =
      http().post(events_path("keep"), "{\"data\":\"a\"}\n{\"data\":\"b\",\"retry\":100}\n",
                  "application/x-ndjson");
  EXPECT_TRUE(refused(batch, 400, "invalid_event", {"line 2", "unknown field \"retry\""}));
  const auto i = info("keep");
  EXPECT_EQ(json_int(i, "last_seq"), 1) << boost::json::serialize(i);
}

TEST_P(strict_api_test, unknown_end_fields_are_400_and_the_stream_stays_open) {
  append("e", "one");
  const auto res = http().post(stream_path("e") + "/end", R"({"status":"failed","reason":"x"})");
  EXPECT_TRUE(refused(res, 400, "invalid_argument", {"unknown field \"reason\"", "\"status\""}));
  EXPECT_TRUE(refused(http().post(stream_path("e") + "/end", R"({"stauts":"failed"})"), 400,
                      "invalid_argument", {"\"stauts\"", "did you mean \"status\""}));
  EXPECT_EQ(json_string(info("e"), "status"), "open");
  const auto ended = end_stream("e", "failed");
  EXPECT_TRUE(ended.contains("epoch"));
  EXPECT_EQ(json_string(info("e"), "status"), "failed");
}

TEST_P(strict_api_test, put_with_other_limits_on_an_existing_stream_is_409_naming_each_field) {
  const auto created = put("p", R"({"buffer_limit":10,"ttl_seconds":60})");
  ASSERT_EQ(created.status, 201) << created.describe();
  const auto epoch = json_string(created.json_object(), "epoch");

  // A retry (no body, an empty object, the same limits, one of them) is 200 created:false.
  for (const std::string body :
       {"", "{}", R"({"buffer_limit":10,"ttl_seconds":60})", R"({"ttl_seconds":60})"}) {
    SCOPED_TRACE("body " + body);
    const auto again = put("p", body);
    ASSERT_EQ(again.status, 200) << again.describe();
    EXPECT_EQ(json_string(again.json_object(), "epoch"), epoch);
    EXPECT_EQ(again.json_object().at("created"), false);
  }

  // Other limits: 409, each differing field with its current and requested value.
  const auto one = put("p", R"({"buffer_limit":20,"ttl_seconds":60})");
  EXPECT_TRUE(refused(one, 409, "stream_config_differs", {"buffer_limit is 10, requested 20"}));
  EXPECT_EQ(one.json_object().at("message").as_string().find("ttl_seconds"), std::string::npos)
      << one.describe();
  EXPECT_TRUE(refused(put("p", R"({"buffer_limit":20,"ttl_seconds":120})"), 409,
                      "stream_config_differs",
                      {"buffer_limit is 10, requested 20", "ttl_seconds is 60, requested 120"}));
  // The stream kept its limits.
  EXPECT_EQ(json_int(info("p"), "buffer_limit"), 10);

  // A stream an append created has the node's defaults: asking for them is a retry, asking for
  // others is 409.
  append("d", "one");
  EXPECT_EQ(put("d", R"({"buffer_limit":256,"ttl_seconds":3600})").status, 200);
  EXPECT_TRUE(refused(put("d", R"({"ttl_seconds":10})"), 409, "stream_config_differs",
                      {"ttl_seconds is 3600, requested 10"}));

  // An ended stream keeps its limits too.
  end_stream("p");
  EXPECT_EQ(put("p", "").status, 200);
  EXPECT_TRUE(refused(put("p", R"({"buffer_limit":11})"), 409, "stream_config_differs",
                      {"buffer_limit is 10, requested 11"}));
}

// HEAD on the probe paths: the GET answer's status and headers, no body (read raw: a body would
// show up as bytes after the header block).
TEST_P(strict_api_test, head_on_probe_paths_answers_like_get_without_a_body) {
  for (const std::string path : {"/healthz", "/readyz", "/metrics"}) {
    SCOPED_TRACE(path);
    const auto get = http().get(path);
    const auto head = http().request("HEAD", path);
    EXPECT_EQ(head.status, get.status) << head.describe();
    EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type"));
    ASSERT_TRUE(head.header("Content-Length")) << head.describe();
    if (path != "/metrics") {  // /metrics counts requests: its length moves between two reads
      EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
    }
    const std::string raw = http().raw_exchange(
        "HEAD " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5s);
    const auto end = raw.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << raw;
    EXPECT_EQ(raw.substr(0, raw.find("\r\n")),
              "HTTP/1.1 " + std::to_string(get.status) + " " + get.reason)
        << raw;
    EXPECT_EQ(raw.size(), end + 4) << "a body after the header block: " << raw;

    // OPTIONS and a 405 name HEAD among the path's methods.
    const auto options = http().request("OPTIONS", path);
    EXPECT_EQ(options.status, 204);
    EXPECT_EQ(options.header("Allow"), "GET, HEAD, OPTIONS");
    const auto post = http().post(path, "{}");
    EXPECT_TRUE(is_api_error(post, 405, "method_not_allowed"));
    EXPECT_EQ(post.header("Allow"), "GET, HEAD, OPTIONS");
  }
  // HEAD where it is not served: 405 without a body, and the connection goes on.
  const std::string raw = http().raw_exchange(
      "HEAD /v1/streams/x HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n"
      "Connection: close\r\n\r\n",
      5s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 405 ", 0), 0u) << raw;
  const auto second = raw.find("HTTP/1.1 200 ");
  ASSERT_NE(second, std::string::npos) << raw;
  EXPECT_EQ(raw.find("{", 0), raw.find("{\"status\":\"ok\"}")) << "no body on the 405: " << raw;
}

INSTANTIATE_TEST_SUITE_P(stores, strict_api_test, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sse::test
