// Relay over HTTP/2: `POST /v1/relay/{route}` with `Accept: text/event-stream` over h2c (prior
// knowledge) streams the upstream's answer as it does over HTTP/1.1, the fake upstream of
// tests/relay standing in for the model API.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fake_upstream.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "temp_dir.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;
using relay::test::fake_upstream;
using relay::test::upstream_script;

/// The `event:` and `data:` lines of an SSE body, one "event|data" per event (ids name the
/// relay stream, which differs between the two runs).
std::vector<std::string> events_of(const std::string& body) {
  std::vector<std::string> out;
  std::istringstream in(body);
  std::string line;
  std::string event = "message";
  std::string data;
  bool any = false;
  while (std::getline(in, line)) {
    if (line.starts_with("event: ")) {
      event = line.substr(7);
      any = true;
    } else if (line.starts_with("data: ")) {
      data += (data.empty() ? "" : "\n") + line.substr(6);
      any = true;
    } else if (line.empty() && any) {
      out.push_back(event + "|" + data);
      event = "message";
      data.clear();
      any = false;
    }
  }
  return out;
}

TEST(h2_relay, a_relay_post_asking_for_sse_streams_the_same_events_over_h2c_as_over_http11) {
  upstream_script script;
  script.tokens = 8;
  script.gap = 20ms;
  fake_upstream up(script);
  temp_dir dir("h2-relay");
  const auto routes = dir.path() / "routes.json";
  std::ofstream(routes) << R"({"routes":[{"name":"chat","url":"http://127.0.0.1:)" << up.port()
                        << R"(/v1/chat/completions","priorities":{"ping":"drop"}}]})";
  gateway_options o;
  o.args = {"--auth", "none", "--relay-config", routes.string()};
  o.name = "h2-relay";
  gateway_process gw(o);

  auto post = [&](bool h2, const std::string& key) {
    return curl(h2, "POST", gw.base_url() + "/v1/relay/chat",
                {"-N", "-H", "Accept: text/event-stream", "-H", "Content-Type: application/json",
                 "-H", "Idempotency-Key: " + key, "--data", R"({"messages":[]})"});
  };
  const auto over_h1 = post(false, "turn-h1");
  const auto over_h2 = post(true, "turn-h2");
  ASSERT_EQ(over_h1.http_version, "1.1");
  ASSERT_EQ(over_h2.http_version, "2");
  EXPECT_EQ(over_h2.status, over_h1.status);
  ASSERT_EQ(over_h2.status, 200) << over_h2.body;

  const auto h1_events = events_of(over_h1.body);
  const auto h2_events = events_of(over_h2.body);
  EXPECT_EQ(h2_events, h1_events) << "over h2:\n"
                                  << over_h2.body << "\nover HTTP/1.1:\n"
                                  << over_h1.body;
  // The upstream's tokens, in order, then its usage, then the end event, over h2.
  ASSERT_GE(h2_events.size(), 10u) << over_h2.body;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(h2_events[i], "delta|t" + std::to_string(i));
  }
  EXPECT_EQ(h2_events[8], R"(usage|{"tokens":8})");
  EXPECT_TRUE(h2_events.back().starts_with("end|")) << h2_events.back();
  EXPECT_NE(h2_events.back().find("completed"), std::string::npos) << h2_events.back();
  EXPECT_EQ(up.requests().size(), 2u);
}

}  // namespace
}  // namespace sse::test::h2
