// Access control end to end: the real binary with --auth jwt, real sockets. Tokens are
// minted in the test (tests/unit/auth/token_minter).

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <limits>

#include "gateway_test.hpp"
#include "temp_dir.hpp"
#include "token_minter.hpp"

namespace sse::test {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr std::string_view secret = "integration-secret-0123456789";

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

/// A token for `subscribe` and `publish` patterns, valid for `ttl` seconds.
std::string token(array subscribe, array publish, std::int64_t ttl = 600) {
  return mint_hs256(
      object{{"exp", unix_now() + ttl},
             {"sse", object{{"subscribe", std::move(subscribe)}, {"publish", std::move(publish)}}}},
      secret);
}

header_list bearer(const std::string& t) {
  return {{"Authorization", "Bearer " + t}};
}

class auth_test : public gateway_test {
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

  temp_dir dir_{"sse-auth-test"};
};

TEST_F(auth_test, producers_need_a_bearer_token_with_publish_scope) {
  start_jwt();
  const std::string body = R"({"data":"x"})";

  auto none = http().post(events_path("a"), body);
  EXPECT_TRUE(is_api_error(none, 401, "unauthorized")) << none.describe();
  EXPECT_EQ(none.header("WWW-Authenticate").value_or(""), "Bearer realm=\"sse-gateway\"");

  auto garbage = http().post(events_path("a"), body, "application/json", bearer("not.a.jwt"));
  EXPECT_TRUE(is_api_error(garbage, 401)) << garbage.describe();
  EXPECT_NE(garbage.header("WWW-Authenticate").value_or("").find("error=\"invalid_token\""),
            std::string::npos);

  const std::string for_a = token(array{"a"}, array{"a"});
  auto other = http().post(events_path("b"), body, "application/json", bearer(for_a));
  EXPECT_TRUE(is_api_error(other, 403, "forbidden")) << other.describe();
  for (auto* m : {"PUT", "DELETE"}) {
    auto r = http().request(m, stream_path("b"), {}, bearer(for_a));
    EXPECT_EQ(r.status, 403) << m << " " << r.describe();
  }
  auto end_b = http().post(stream_path("b") + "/end", "{}", "application/json", bearer(for_a));
  EXPECT_EQ(end_b.status, 403) << end_b.describe();
  auto cancel_b =
      http().post(stream_path("b") + "/cancel", "{}", "application/json", bearer(for_a));
  EXPECT_EQ(cancel_b.status, 403) << cancel_b.describe();
  auto relay = http().post("/v1/relay/chat", "{}", "application/json", bearer(for_a));
  EXPECT_EQ(relay.status, 403) << "relay calls need publish scope on relay:<route>";

  auto ok = http().post(events_path("a"), body, "application/json", bearer(for_a));
  EXPECT_EQ(ok.status, 200) << ok.describe();
  auto read_only = token(array{"a"}, array{});
  auto denied = http().post(events_path("a"), body, "application/json", bearer(read_only));
  EXPECT_EQ(denied.status, 403) << "subscribe scope does not publish";

  // Health, readiness and metrics stay open.
  EXPECT_EQ(http().get("/healthz").status, 200);
  const std::string metrics = scrape_metrics();
  EXPECT_GE(metric_value(metrics, "sse_gateway_auth_rejected_total").value_or(0), 9.0) << metrics;

  const auto rejected = gw().wait_for_telemetry_count("SseAuthRejected", 7);
  ASSERT_GE(rejected.size(), 7u);
  EXPECT_EQ(rejected[0].at("reason").as_string(), "missing_token");
  EXPECT_EQ(rejected[1].at("reason").as_string(), "malformed_token");
  EXPECT_EQ(rejected[2].at("reason").as_string(), "forbidden");
  EXPECT_EQ(rejected[2].at("status").as_int64(), 403);
}

TEST_F(auth_test, a_token_for_one_stream_never_reads_another) {
  start_jwt();
  const std::string producer = token(array{}, array{"*"});
  http().post(events_path("a"), R"({"data":"secret of a"})", "application/json", bearer(producer));
  http().post(events_path("b"), R"({"data":"secret of b"})", "application/json", bearer(producer));

  const std::string for_a = token(array{"a"}, array{});
  auto no_token = subscribe("b");
  EXPECT_EQ(no_token->status(), 401);
  auto header_b = subscribe("b", std::nullopt, {}, bearer(for_a));
  EXPECT_EQ(header_b->status(), 403);
  auto query_b = subscribe("b", std::nullopt, "token=" + for_a);
  EXPECT_EQ(query_b->status(), 403);
  auto info_b = http().get(stream_path("b"), bearer(for_a));
  EXPECT_EQ(info_b.status, 403) << "stream status is a read";

  // The three ways a subscriber may carry its token.
  auto by_header = subscribe("a", std::nullopt, {}, bearer(for_a));
  auto by_query = subscribe("a", std::nullopt, "token=" + for_a);
  auto by_cookie = subscribe("a", std::nullopt, {}, {{"Cookie", "x=1; sse_token=" + for_a}});
  for (auto* c : {by_header.get(), by_query.get(), by_cookie.get()}) {
    ASSERT_EQ(c->status(), 200);
    auto e = c->next_event(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, "secret of a");
  }
  // A publish token is not a read token, and the query token does not publish.
  auto pub_only = subscribe("a", std::nullopt, {}, bearer(producer));
  EXPECT_EQ(pub_only->status(), 403);
}

TEST_F(auth_test, expired_token_refused_at_connect) {
  start_jwt({"--auth-leeway", "0s"});
  const std::string old = token(array{"a"}, array{"a"}, -5);
  auto sub = subscribe("a", std::nullopt, "token=" + old);
  EXPECT_EQ(sub->status(), 401);
  auto pub = http().post(events_path("a"), R"({"data":"x"})", "application/json", bearer(old));
  EXPECT_TRUE(is_api_error(pub, 401)) << pub.describe();
  EXPECT_NE(pub.header("WWW-Authenticate").value_or("").find("token_expired"), std::string::npos)
      << pub.describe();
  auto rejected = gw().wait_for_telemetry("SseAuthRejected", [](const object& o) {
    return o.at("reason").as_string() == "token_expired";
  });
  EXPECT_TRUE(rejected);
}

TEST_F(auth_test, expiry_mid_stream_ends_with_an_auth_expired_event_and_resume_works) {
  start_jwt({"--auth-leeway", "0s", "--heartbeat", "500ms"});
  const std::string producer = token(array{}, array{"a"});
  http().post(events_path("a"), R"({"data":"one"})", "application/json", bearer(producer));

  const std::string short_lived = token(array{"a"}, array{}, 2);
  auto sub = subscribe("a", std::nullopt, {}, bearer(short_lived));
  ASSERT_EQ(sub->status(), 200);
  // Not `event: error`: a browser's EventSource fires its own `error` for connection failures.
  auto got =
      sub->collect_until([](const parsed_event& e) { return e.event == "auth_expired"; }, 10s);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().data, "one");
  EXPECT_EQ(got.back().event, "auth_expired") << describe_events(got);
  EXPECT_NE(got.back().data.find("token_expired"), std::string::npos) << got.back().data;
  EXPECT_EQ(sub->raw_body().find("event: error"), std::string::npos) << sub->raw_body();
  EXPECT_TRUE(sub->wait_closed(5s)) << "the response is finished after the auth_expired event";
  EXPECT_TRUE(sub->response_done()) << "final chunk sent";
  const std::string last_id = got.front().id;

  // Meanwhile the producer goes on; a fresh token resumes from the last id seen.
  http().post(events_path("a"), R"({"data":"two"})", "application/json", bearer(producer));
  auto again = subscribe("a", last_id, {}, bearer(token(array{"a"}, array{})));
  ASSERT_EQ(again->status(), 200);
  auto next = again->next_event(5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->data, "two");
  EXPECT_TRUE(gw().wait_for_telemetry("SseAuthRejected", [](const object& o) {
    return o.contains("during") && o.at("reason").as_string() == "token_expired";
  }));
}

// Common "never expires" values of `exp` lie past 2262, the end of a nanosecond time_point: the
// subscription must stay open (heartbeats, live events), not end at once with token_expired,
// which would make EventSource reconnect in a loop.
TEST_F(auth_test, a_token_expiring_after_2262_keeps_its_subscription_open) {
  start_jwt({"--heartbeat", "200ms"});
  const std::string producer = token(array{}, array{"far"});
  ASSERT_EQ(
      http()
          .post(events_path("far"), R"({"data":"first"})", "application/json", bearer(producer))
          .status,
      200);
  for (const std::int64_t exp : {std::int64_t{32503680000}, std::int64_t{253402300799},
                                 std::numeric_limits<std::int64_t>::max()}) {
    SCOPED_TRACE(exp);
    const std::string far = mint_hs256(
        object{{"exp", exp}, {"sse", object{{"subscribe", array{"far"}}, {"publish", array{}}}}},
        secret);
    auto sub = subscribe("far", std::nullopt, {}, bearer(far));
    ASSERT_EQ(sub->status(), 200);
    ASSERT_TRUE(sub->wait_comments(3, 5s)) << "heartbeats flow: " << sub->raw_body();
    EXPECT_FALSE(sub->connection_closed()) << sub->raw_body();
    EXPECT_EQ(sub->raw_body().find("token_expired"), std::string::npos) << sub->raw_body();
    const auto data = "at " + std::to_string(exp);
    ASSERT_EQ(http()
                  .post(events_path("far"), R"({"data":")" + data + R"("})", "application/json",
                        bearer(producer))
                  .status,
              200);
    auto got = sub->collect_until([&](const parsed_event& e) { return e.data == data; }, 5s);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().data, data) << describe_events(got);
    EXPECT_NE(got.back().event, "auth_expired");
  }
}

TEST_F(auth_test, tokens_never_reach_telemetry_or_logs) {
  start_jwt({"--log-level", "debug"});
  const std::string good = token(array{"a"}, array{"a"});
  http().post(events_path("a"), R"({"data":"x"})", "application/json", bearer(good));
  auto sub = subscribe("a", std::nullopt, "token=" + good);
  ASSERT_EQ(sub->status(), 200);
  ASSERT_TRUE(sub->next_event(5s));
  const std::string bad_sig = good.substr(0, good.rfind('.') + 1) + "AAAA";
  auto refused = subscribe("a", std::nullopt, "token=" + bad_sig);
  EXPECT_EQ(refused->status(), 401);
  ASSERT_TRUE(gw().wait_for_telemetry("SseAuthRejected", [](const object& o) {
    return o.at("reason").as_string() == "bad_signature";
  }));
  sub->close();
  ASSERT_TRUE(gw().stop());

  const std::string signature = good.substr(good.rfind('.') + 1);
  for (const auto& line : gw().telemetry_lines()) {
    const std::string text = boost::json::serialize(line);
    EXPECT_EQ(text.find(signature), std::string::npos) << text;
    EXPECT_EQ(text.find("token="), std::string::npos) << text;
  }
  EXPECT_EQ(gw().stderr_text().find(signature), std::string::npos);
  EXPECT_EQ(gw().stdout_text().find(signature), std::string::npos);
}

TEST_F(auth_test, rs256_and_es256_public_keys) {
  for (std::string_view type : {"RSA", "EC"}) {
    const auto key = key_pair::generate(type);
    {
      std::ofstream out(dir_ / "key.pem");
      out << key.public_pem();
    }
    start({"--auth", "jwt", "--auth-public-key-file", (dir_ / "key.pem").string(),
           "--auth-audience", "gw"});
    const object claims{
        {"exp", unix_now() + 600}, {"aud", "gw"}, {"sse", object{{"publish", array{"k"}}}}};
    const std::string alg = type == "RSA" ? "RS256" : "ES256";
    auto ok = http().post(events_path("k"), R"({"data":"x"})", "application/json",
                          bearer(mint_with_key(claims, key, alg)));
    EXPECT_EQ(ok.status, 200) << type << ok.describe();
    // The HS256 confusion: the public key used as an HMAC secret.
    object forged = claims;
    auto confused = http().post(events_path("k"), R"({"data":"x"})", "application/json",
                                bearer(mint_hs256(forged, key.public_pem())));
    EXPECT_EQ(confused.status, 401) << type;
    object wrong_aud = claims;
    wrong_aud["aud"] = "other";
    auto aud = http().post(events_path("k"), R"({"data":"x"})", "application/json",
                           bearer(mint_with_key(wrong_aud, key, alg)));
    EXPECT_EQ(aud.status, 401) << type;
    http_.reset();
    gw_.reset();
  }
}

TEST(auth_startup, refuses_to_start_without_an_explicit_choice) {
  gateway_options o;
  o.env = {{"SSE_GATEWAY_AUTH", ""}};  // present but empty: the harness does not add --auth
  try {
    gateway_process gw(std::move(o));
    ADD_FAILURE() << "the gateway started without --auth";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--auth none"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sse::test
