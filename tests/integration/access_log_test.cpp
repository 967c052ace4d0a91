// --access-log on a real gateway: one SseAccess line per request in the telemetry output, with
// the fields an operator needs, an SSE subscription logged when its stream ends (bytes and
// duration of the whole stream), and no token, Authorization or cookie value anywhere.
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class access_log_test : public gateway_test {
 protected:
  std::optional<boost::json::object> access_line(std::string_view method, std::string_view path,
                                                 std::int64_t status) {
    return gw().wait_for_telemetry("SseAccess", [&](const boost::json::object& o) {
      return json_string(o, "method") == method && json_string(o, "path") == path &&
             json_int(o, "status") == status;
    });
  }
  std::string telemetry_text() const {
    std::ifstream in(gw_->telemetry_path());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST_F(access_log_test, one_line_per_request_with_secrets_left_out) {
  start({"--access-log"});
  append("acc", "first");
  const auto post = access_line("POST", "/v1/streams/acc/events", 200);
  ASSERT_TRUE(post) << gw().diagnostics();
  EXPECT_EQ(json_string(*post, "stream"), "acc") << boost::json::serialize(*post);
  EXPECT_EQ(json_string(*post, "client"), "127.0.0.1") << boost::json::serialize(*post);
  EXPECT_GT(json_int(*post, "bytes").value_or(0), 0) << boost::json::serialize(*post);
  ASSERT_TRUE(post->contains("duration_ms")) << boost::json::serialize(*post);
  EXPECT_GE(post->at("duration_ms").to_number<double>(), 0.0);
  EXPECT_TRUE(json_string(*post, "ts")) << boost::json::serialize(*post);

  // An SSE subscription with every kind of credential: logged once, when its stream ends.
  auto sub = subscribe("acc", std::nullopt, "lang=en&token=secret123",
                       {{"Authorization", "Bearer secret456"}, {"Cookie", "sid=secret789"}});
  ASSERT_EQ(sub->status(), 200);
  ASSERT_TRUE(sub->next_event(5s));
  std::this_thread::sleep_for(300ms);  // the stream's duration must show in the line
  const std::string sse_path = "/v1/streams/acc/events?lang=en&token=REDACTED";
  EXPECT_TRUE(gw().telemetry_named("SseAccess").size() == 1u)
      << "a stream still open is not logged yet: " << gw().diagnostics();
  end_stream("acc");
  ASSERT_TRUE(sub->wait_closed(5s));
  const auto streamed = access_line("GET", sse_path, 200);
  ASSERT_TRUE(streamed) << gw().diagnostics();
  EXPECT_EQ(json_string(*streamed, "stream"), "acc");
  EXPECT_EQ(json_string(*streamed, "client"), "127.0.0.1");
  // Status line, headers and every frame: more than the body the client kept.
  EXPECT_GT(json_int(*streamed, "bytes").value_or(0),
            static_cast<std::int64_t>(sub->raw_body().size()))
      << boost::json::serialize(*streamed);
  EXPECT_GE(streamed->at("duration_ms").to_number<double>(), 250.0)
      << boost::json::serialize(*streamed);

  // Errors: an unknown path (404) and a malformed body (400).
  EXPECT_EQ(http().get("/nope?token=secret123").status, 404);
  const auto missing = access_line("GET", "/nope?token=REDACTED", 404);
  ASSERT_TRUE(missing) << gw().diagnostics();
  EXPECT_FALSE(missing->contains("stream")) << boost::json::serialize(*missing);
  EXPECT_EQ(
      http().put("/v1/streams/bad", "{not json", {{"Content-Type", "application/json"}}).status,
      400);
  const auto bad = access_line("PUT", "/v1/streams/bad", 400);
  ASSERT_TRUE(bad) << gw().diagnostics();
  EXPECT_EQ(json_string(*bad, "stream"), "bad");

  // An invalid stream id is answered 400 and not echoed into the log as a stream.
  EXPECT_EQ(http().get("/v1/streams/no%20spaces").status, 400);
  const auto refused = access_line("GET", "/v1/streams/no%20spaces", 400);
  ASSERT_TRUE(refused) << gw().diagnostics();
  EXPECT_FALSE(refused->contains("stream")) << boost::json::serialize(*refused);

  // A subscriber that leaves abruptly: logged when the gateway notices, with its address.
  append("gone", "x");
  auto leaver = subscribe("gone");
  ASSERT_TRUE(leaver->next_event(5s));
  leaver->close_abruptly();
  const auto left = access_line("GET", "/v1/streams/gone/events", 200);
  ASSERT_TRUE(left) << gw().diagnostics();
  EXPECT_EQ(json_string(*left, "client"), "127.0.0.1") << boost::json::serialize(*left);
  EXPECT_GT(json_int(*left, "bytes").value_or(0), 0) << boost::json::serialize(*left);

  ASSERT_TRUE(gw().stop().has_value());
  const std::string everything = telemetry_text() + gw().stderr_text() + gw().stdout_text();
  for (const char* secret : {"secret123", "secret456", "secret789"}) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret << " was logged";
  }
}

TEST_F(access_log_test, off_by_default_and_on_through_its_variable) {
  start();
  append("quiet", "x");
  EXPECT_EQ(http().get("/nope").status, 404);
  gw().stop();
  EXPECT_TRUE(gw().telemetry_named("SseAccess").empty()) << gw().diagnostics();

  gateway_options o;
  o.env = {{"SSE_GATEWAY_ACCESS_LOG", "1"}};
  gw_ = std::make_unique<gateway_process>(std::move(o));
  http_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  EXPECT_EQ(http().get("/healthz").status, 200);
  ASSERT_TRUE(access_line("GET", "/healthz", 200)) << gw().diagnostics();
}

}  // namespace
}  // namespace sse::test
