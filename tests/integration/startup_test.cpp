// The process as an operator starts it: flags and SSE_GATEWAY_* variables (flags win), bad flags
// refused at start with a message, the demo page only with --demo.
#include <sys/wait.h>

#include <fstream>

#include "gateway_test.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class startup_test : public gateway_test {
 protected:
  std::string first_bytes_of_a_subscription() {
    http().put(stream_path("cfg"));
    auto sub = subscribe("cfg");
    EXPECT_EQ(sub->status(), 200);
    sub->pump_for(300ms);
    return sub->raw_body();
  }
};

TEST_F(startup_test, environment_variables_configure_and_flags_win) {
  gateway_options o;
  o.env = {{"SSE_GATEWAY_RETRY_MS", "3000"}};
  gw_ = std::make_unique<gateway_process>(o);
  http_ = std::make_unique<http_client>(gw().host(), gw().port());
  EXPECT_EQ(first_bytes_of_a_subscription().rfind("retry: 3000\n", 0), 0u);

  o.args = {"--retry-ms", "2500"};
  gw_ = std::make_unique<gateway_process>(o);
  http_ = std::make_unique<http_client>(gw().host(), gw().port());
  EXPECT_EQ(first_bytes_of_a_subscription().rfind("retry: 2500\n", 0), 0u);
}

TEST_F(startup_test, bad_flags_stop_the_start_with_a_message) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--buffer-limit", "abc"},
                                                                {"--heartbeat", "soon"},
                                                                {"--telemetry", "carrier-pigeon"},
                                                                {"--no-such-flag"}}) {
    SCOPED_TRACE(args.front());
    gateway_options o;
    o.args = args;
    o.start_timeout = 10s;
    try {
      gateway_process gw(o);
      ADD_FAILURE() << "the gateway started with a bad flag";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("before listening"), std::string::npos) << what;
      EXPECT_EQ(what.find("exited with 0"), std::string::npos)
          << "a bad flag is an error: " << what;
      const auto flag = args.front().substr(2);
      EXPECT_NE(what.find(flag), std::string::npos) << "the message names the flag: " << what;
    }
  }
}

// The caps on what a stream may ask for bind the operator's own files too: a relay route asking
// for more is refused at start, with a message naming the route, the option and the cap.
TEST_F(startup_test, relay_route_stream_options_over_the_caps_stop_the_start) {
  temp_dir dir("sse-startup-caps");
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"buffer_limit":1000000})",
       "stream.buffer_limit 1000000 is over --max-buffer-limit 65536"},
      {R"({"ttl_seconds":7200000})",
       "stream.ttl_seconds 7200000 is over --max-ttl 168h (604800 seconds)"},
      // The old spelling is refused at start, naming the new one (one spelling everywhere).
      {R"({"ttl":"1h"})", "stream.ttl is now stream.ttl_seconds"}};
  for (const auto& [stream, message] : cases) {
    SCOPED_TRACE(stream);
    {
      std::ofstream out(dir / "routes.json");
      out << R"({"routes":[{"name":"big","url":"http://127.0.0.1:9/","stream":)" << stream << "}]}";
    }
    gateway_options o;
    o.args = {"--relay-config", (dir / "routes.json").string()};
    o.start_timeout = 10s;
    try {
      gateway_process gw(o);
      ADD_FAILURE() << "the gateway started with a route over the caps";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("before listening"), std::string::npos) << what;
      EXPECT_NE(what.find("route \"big\": " + message), std::string::npos) << what;
    }
  }
  // Within the caps (raised here) the same route starts.
  {
    std::ofstream out(dir / "routes.json");
    out << R"({"routes":[{"name":"big","url":"http://127.0.0.1:9/",)"
        << R"("stream":{"buffer_limit":1000000}}]})";
  }
  start({"--relay-config", (dir / "routes.json").string(), "--max-buffer-limit", "1000000"});
  EXPECT_EQ(http().get("/healthz").status, 200);
}

TEST_F(startup_test, demo_page_only_with_demo) {
  start({"--demo"});
  const auto page = http().get("/");
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_EQ(page.header("Content-Type").value_or("").rfind("text/html", 0), 0u) << page.describe();
  EXPECT_NE(page.body.find("EventSource"), std::string::npos) << "the page reads a live stream";

  start();
  EXPECT_TRUE(is_api_error(http().get("/"), 404));
}

}  // namespace
}  // namespace sse::test

namespace sse::test {
namespace {

// The start-up line says how the gateway is exposed: store, access control with its token
// sources, CORS origins and relay routes (an operator reading the log must not guess).
TEST_F(startup_test, startup_line_names_access_control_cors_and_relay_routes) {
  temp_dir dir("startup-line");
  {
    std::ofstream secret(dir.path() / "secret");
    secret << "startup-line-secret-0123456789abcdef\n";
    std::ofstream routes(dir.path() / "routes.json");
    routes << R"({"routes":[{"name":"chat","url":"http://127.0.0.1:9/chat"},)"
           << R"({"name":"summarize","url":"http://127.0.0.1:9/sum"}]})";
  }
  gateway_options o;
  const std::string secret_file = (dir.path() / "secret").string();
  const std::string routes_file = (dir.path() / "routes.json").string();
  o.args = {
      "--auth", "jwt",           "--auth-hs256-secret-file", secret_file,      "--auth-cookie",
      "sid",    "--cors-origin", "https://app.example",      "--relay-config", routes_file};
  gw_ = std::make_unique<gateway_process>(o);
  ASSERT_TRUE(bounded_wait(
      [&] { return gw().stderr_text().find("sse-gateway listening on") != std::string::npos; },
      10s))
      << gw().diagnostics();
  const std::string err = gw().stderr_text();
  for (const char* part : {"store memory",
                           "access control jwt (HS256 secret; tokens from Authorization: Bearer, "
                           "and for subscribers ?token= and cookie sid; audience not checked)",
                           "CORS https://app.example", "relay routes chat,summarize"}) {
    EXPECT_NE(err.find(part), std::string::npos) << part << " missing from:\n" << err;
  }
  EXPECT_EQ(err.find("startup-line-secret"), std::string::npos) << err;
}

TEST_F(startup_test, startup_line_says_when_access_control_cors_and_relay_are_off) {
  start();
  ASSERT_TRUE(bounded_wait(
      [&] { return gw().stderr_text().find("sse-gateway listening on") != std::string::npos; },
      10s))
      << gw().diagnostics();
  const std::string err = gw().stderr_text();
  EXPECT_NE(err.find("access control OFF (--auth none), CORS off, relay routes off"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace sse::test
