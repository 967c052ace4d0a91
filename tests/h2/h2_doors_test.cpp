// HTTP/2 through the gateway's other ways in: JWT access (header, `?token=`, cookie) and the
// Durable Streams door answer over h2c exactly as over HTTP/1.1, against the real binary with
// curl as the client. The request's life is shared code; these tests hold it to that.

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <fstream>

#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "same_answers.hpp"
#include "temp_dir.hpp"
#include "token_minter.hpp"

namespace sse::test::h2 {
namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string token(std::int64_t exp, const std::string& stream, bool publish) {
  boost::json::object scopes;
  scopes["subscribe"] = boost::json::array{boost::json::value(stream)};
  if (publish) {
    scopes["publish"] = boost::json::array{boost::json::value(stream)};
  }
  return mint_hs256({{"exp", exp}, {"sse", scopes}}, "h2-doors-test-secret-0123456789");
}

void expect_same(const std::vector<std::string>& over_h1, const std::vector<std::string>& over_h2) {
  ASSERT_EQ(over_h1.size(), over_h2.size());
  for (std::size_t i = 0; i < over_h1.size(); ++i) {
    EXPECT_EQ(over_h2[i], over_h1[i]);
  }
}

/// The answers are the real ones, not two equal failures: step i got statuses[i].
void expect_statuses(const std::vector<std::string>& answers, const std::vector<int>& statuses) {
  ASSERT_EQ(answers.size(), statuses.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_NE(answers[i].find("-> " + std::to_string(statuses[i]) + " "), std::string::npos)
        << "step " << i << ": " << answers[i];
  }
}

TEST(h2_doors, jwt_access_answers_the_same_over_h2c_as_over_http11) {
  temp_dir dir("sse-h2-jwt");
  { std::ofstream(dir / "secret") << "h2-doors-test-secret-0123456789\n"; }
  gateway_options o;
  o.name = "h2-jwt";
  o.args = {"--auth",        "jwt",      "--auth-hs256-secret-file", (dir / "secret").string(),
            "--auth-cookie", "sse_token"};
  gateway_process gw(o);
  const auto pub = "Authorization: Bearer " + token(now_s() + 3600, "jw", true);
  const auto sub = token(now_s() + 3600, "jw", false);
  const auto expired = "Authorization: Bearer " + token(now_s() - 3600, "jw", true);
  const auto other = "Authorization: Bearer " + token(now_s() + 3600, "other", true);
  const std::string json = "Content-Type: application/json";
  const std::vector<step> steps{
      {"PUT", "/v1/streams/jw", {}},
      {"PUT", "/v1/streams/jw", {"-H", pub}},
      {"POST",
       "/v1/streams/jw/events",
       {"-H", json, "-H", "Authorization: Bearer " + sub, "--data", R"({"data":"a"})"}},
      {"POST", "/v1/streams/jw/events", {"-H", json, "-H", pub, "--data", R"({"data":"a"})"}},
      {"POST", "/v1/streams/jw/end", {"-H", pub, "--data", R"({"status":"completed"})"}},
      {"GET", "/v1/streams/jw/events?token=" + sub, {}},
      {"GET", "/v1/streams/jw/events", {"-H", "Cookie: sse_token=" + sub}},
      {"GET", "/v1/streams/jw/events", {"-H", expired}},
      {"GET", "/v1/streams/jw/events", {"-H", other}},
      {"DELETE", "/v1/streams/jw", {"-H", pub}},
  };
  const auto over_h1 = run_steps(gw.base_url(), false, steps);
  const auto over_h2 = run_steps(gw.base_url(), true, steps);
  expect_same(over_h1, over_h2);
  expect_statuses(over_h2, {401, 201, 403, 200, 200, 200, 200, 401, 403, 204});
  for (std::size_t i : {5U, 6U}) {
    EXPECT_NE(over_h2[i].find("data: a"), std::string::npos) << over_h2[i];
    EXPECT_NE(over_h2[i].find("event: end"), std::string::npos) << over_h2[i];
  }
}

TEST(h2_doors, durable_streams_door_answers_the_same_over_h2c_as_over_http11) {
  gateway_options o;
  o.name = "h2-ds";
  o.args = {"--auth", "none"};
  gateway_process gw(o);
  const std::string text = "Content-Type: text/plain";
  const std::string path = "/v1/stream/h2/doc";
  const std::vector<step> steps{
      {"PUT", path, {"-H", text}},
      {"POST", path, {"-H", text, "--data", "hello"}},
      {"POST", path, {"-H", "Content-Type: application/json", "--data", "{}"}},
      {"GET", path + "?offset=-1", {}},
      {"HEAD", path, {}},
      {"POST", path, {"-H", text, "-H", "Stream-Closed: true", "--data", ""}},
      {"GET", path + "?offset=-1&live=long-poll", {}},
      // Its control events carry a random cursor: its body is checked below, not compared.
      {"GET", path + "?offset=-1&live=sse", {}, false},
      {"DELETE", path, {}},
      {"GET", path + "?offset=-1", {}},
  };
  const auto over_h1 = run_steps(gw.base_url(), false, steps);
  const auto over_h2 = run_steps(gw.base_url(), true, steps);
  expect_same(over_h1, over_h2);
  expect_statuses(over_h2, {201, 204, 409, 200, 200, 204, 200, 200, 204, 404});
  EXPECT_NE(over_h2[3].find("hello"), std::string::npos) << over_h2[3];
  EXPECT_NE(over_h2[6].find("hello"), std::string::npos) << over_h2[6];

  // A live=sse read over h2 of a closed stream: its data, then the stream ends.
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + path, {"-H", text, "--data", "again"}).status, 201);
  ASSERT_EQ(curl(true, "POST", gw.base_url() + path,
                 {"-H", text, "-H", "Stream-Closed: true", "--data", ""})
                .status,
            204);
  const auto sse = curl(true, "GET", gw.base_url() + path + "?offset=-1&live=sse");
  EXPECT_EQ(sse.http_version, "2");
  EXPECT_EQ(sse.status, 200);
  EXPECT_NE(sse.body.find("event: data"), std::string::npos) << sse.body;
  EXPECT_NE(sse.body.find("again"), std::string::npos) << sse.body;
  EXPECT_NE(sse.body.find("event: control"), std::string::npos) << sse.body;
}

}  // namespace
}  // namespace sse::test::h2
