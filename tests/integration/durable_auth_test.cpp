// Access control on the Durable Streams door with --auth jwt, end to end: reads need
// `subscribe`, writes `publish`, on the scope name "ds:<path>"; a fork needs both; live reads
// end with the token. Tokens are minted in the test (tests/unit/auth/token_minter).

#include <boost/json/array.hpp>
#include <chrono>
#include <ctime>
#include <fstream>

#include "gateway_test.hpp"
#include "temp_dir.hpp"
#include "token_minter.hpp"

namespace sse::test {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr std::string_view secret = "durable-secret-0123456789abcdef";

std::string token(array subscribe, array publish, std::int64_t ttl = 600) {
  return mint_hs256(
      object{{"exp", static_cast<std::int64_t>(std::time(nullptr)) + ttl},
             {"sse", object{{"subscribe", std::move(subscribe)}, {"publish", std::move(publish)}}}},
      secret);
}

class durable_auth : public gateway_test {
 protected:
  void start_jwt(std::vector<std::string> extra = {}) {
    {
      std::ofstream out(dir_ / "secret");
      out << secret << "\n";
    }
    std::vector<std::string> args{
        "--auth",        "jwt",      "--auth-hs256-secret-file", (dir_ / "secret").string(),
        "--auth-cookie", "sse_token"};
    args.insert(args.end(), extra.begin(), extra.end());
    start(std::move(args));
  }
  static header_list with(const std::string& t, header_list h = {}) {
    h.emplace_back("Authorization", "Bearer " + t);
    return h;
  }
  http_response create(std::string_view path, const std::string& t, header_list h = {}) {
    h.emplace_back("Content-Type", "text/plain");
    return http().put("/v1/stream/" + std::string(path), "data", with(t, std::move(h)));
  }

  temp_dir dir_{"sse-durable-auth-test"};
};

TEST_F(durable_auth, writes_need_publish_and_reads_subscribe_on_the_ds_scope) {
  start_jwt();
  const std::string writer = token(array{}, array{"ds:chat/*"});
  const std::string reader = token(array{"ds:chat/*"}, array{});

  auto none = http().put("/v1/stream/chat/a", "data", {{"Content-Type", "text/plain"}});
  EXPECT_TRUE(is_api_error(none, 401, "unauthorized")) << none.describe();
  EXPECT_EQ(none.header("WWW-Authenticate").value_or(""), "Bearer realm=\"sse-gateway\"");
  auto garbage = create("chat/a", "not.a.jwt");
  EXPECT_TRUE(is_api_error(garbage, 401)) << garbage.describe();
  EXPECT_NE(garbage.header("WWW-Authenticate").value_or("").find("invalid_token"),
            std::string::npos);
  // A v1 scope ("chat/*" without "ds:") covers no DS path, and reading is not writing.
  auto v1_scope = create("chat/a", token(array{}, array{"chat/*", "*chat*"}));
  EXPECT_TRUE(is_api_error(v1_scope, 403, "forbidden")) << v1_scope.describe();
  EXPECT_EQ(create("chat/a", reader).status, 403);
  EXPECT_EQ(create("other/a", writer).status, 403);

  ASSERT_EQ(create("chat/a", writer).status, 201);
  auto append = http().post("/v1/stream/chat/a", "more", "text/plain", with(writer));
  EXPECT_EQ(append.status, 204) << append.describe();
  EXPECT_EQ(http().post("/v1/stream/chat/a", "x", "text/plain", with(reader)).status, 403);

  // Reads: the bearer header, ?token= or the cookie; a writer's token does not read.
  EXPECT_TRUE(is_api_error(http().get("/v1/stream/chat/a?offset=-1"), 401));
  EXPECT_EQ(http().get("/v1/stream/chat/a?offset=-1", with(writer)).status, 403);
  auto by_header = http().get("/v1/stream/chat/a?offset=-1", with(reader));
  EXPECT_EQ(by_header.status, 200) << by_header.describe();
  EXPECT_EQ(by_header.body, "datamore");
  EXPECT_EQ(http().get("/v1/stream/chat/a?offset=-1&token=" + reader).status, 200);
  EXPECT_EQ(http().get("/v1/stream/chat/a?offset=-1", {{"Cookie", "sse_token=" + reader}}).status,
            200);
  EXPECT_EQ(http().request("HEAD", "/v1/stream/chat/a", {}, with(reader)).status, 200);
  EXPECT_EQ(http().request("HEAD", "/v1/stream/chat/a").status, 401);
  // A query token does not write (as on v1).
  EXPECT_EQ(http().del("/v1/stream/chat/a?token=" + writer).status, 401);
  EXPECT_EQ(http().del("/v1/stream/chat/a", with(writer)).status, 204);

  EXPECT_TRUE(gw().wait_for_telemetry("SseAuthRejected", [](const object& o) {
    return o.at("stream").as_string() == "ds:chat_2Fa" && o.at("status").as_int64() == 403;
  }));
  EXPECT_GE(metric_value(scrape_metrics(), "sse_gateway_auth_rejected_total").value_or(0), 8.0);
}

TEST_F(durable_auth, a_fork_needs_subscribe_on_its_source_and_publish_on_itself) {
  start_jwt();
  ASSERT_EQ(create("src", token(array{}, array{"ds:src"})).status, 201);
  const header_list from{{"Stream-Forked-From", "/v1/stream/src"}};
  auto no_read = create("fork", token(array{}, array{"ds:fork"}), from);
  EXPECT_TRUE(is_api_error(no_read, 403, "forbidden")) << no_read.describe();
  auto no_write = create("fork", token(array{"ds:src"}, array{}), from);
  EXPECT_TRUE(is_api_error(no_write, 403, "forbidden")) << no_write.describe();
  auto both = create("fork", token(array{"ds:src"}, array{"ds:fork"}), from);
  EXPECT_EQ(both.status, 201) << both.describe();
}

TEST_F(durable_auth, live_reads_end_when_their_token_expires) {
  start_jwt({"--auth-leeway", "0s", "--durable-long-poll-timeout", "20s"});
  ASSERT_EQ(create("live", token(array{}, array{"ds:live"})).status, 201);

  sse_request req;
  req.target = "/v1/stream/live?offset=-1&live=sse&token=" + token(array{"ds:live"}, array{}, 2);
  sse_client sse(gw().host(), gw().port(), req);
  ASSERT_EQ(sse.status(), 200);
  auto got =
      sse.collect_until([](const parsed_event& e) { return e.event == "auth_expired"; }, 10s);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().event, "data");
  EXPECT_EQ(got.back().event, "auth_expired");
  // The door's SSE answer is delimited by the connection's close (no chunking).
  sse.pump_for(3s);
  EXPECT_TRUE(sse.response_done() || sse.connection_closed()) << sse.last_error();
  EXPECT_TRUE(gw().wait_for_telemetry("SseAuthRejected", [](const object& o) {
    return o.contains("during") && o.at("stream").as_string() == "ds:live";
  }));

  // A long-poll answers (204, up to date) by the token's expiry, not the 20 s timeout.
  const auto started = std::chrono::steady_clock::now();
  auto poll = http().get("/v1/stream/live?offset=now&live=long-poll",
                         with(token(array{"ds:live"}, array{}, 2)));
  EXPECT_EQ(poll.status, 204) << poll.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace sse::test
