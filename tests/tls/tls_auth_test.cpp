// Access control over TLS: the subscriber's token in the query, as browsers send it,
// works the same through HTTPS.

#include <boost/json/array.hpp>
#include <chrono>
#include <ctime>

#include "tls_fixture.hpp"
#include "token_minter.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
using boost::json::array;
using boost::json::object;

constexpr std::string_view secret = "tls-integration-secret-0123456789";

std::string token_for(std::string_view stream) {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  return mint_hs256(
      object{{"exp", now + 600},
             {"sse", object{{"subscribe", array{stream}}, {"publish", array{stream}}}}},
      secret);
}

TEST_F(tls_test, tokens_in_the_query_and_bearer_headers_work_over_tls) {
  write_text_file(dir_ / "secret", std::string(secret) + "\n");
  start({"--auth", "jwt", "--auth-hs256-secret-file", (dir_ / "secret").string()});
  const std::string token = token_for("t");

  auto refused = https().post("/v1/streams/t/events", R"({"data":"x"})");
  EXPECT_EQ(refused.status, 401) << refused.describe();
  append("t", "one", {{"Authorization", "Bearer " + token}});

  auto anonymous = subscribe("t");
  EXPECT_EQ(anonymous->status(), 401);
  auto other = subscribe("u", std::nullopt, "token=" + token);
  EXPECT_EQ(other->status(), 403);

  auto sub = subscribe("t", std::nullopt, "token=" + token);
  ASSERT_EQ(sub->status(), 200);
  auto e = sub->next_event(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "one");
}

}  // namespace
}  // namespace sse::test
