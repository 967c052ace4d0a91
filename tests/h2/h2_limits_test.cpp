// HTTP/2 limits and shutdown against the real binary: the SETTINGS a client is told
// (--http2-max-streams, the header list size from --max-header-bytes), a header block over the
// limit answered 431 on its stream alone, and GOAWAY then a finished stream on SIGTERM.

#include <gtest/gtest.h>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;

gateway_options h2_gateway(std::vector<std::string> args = {}) {
  gateway_options o;
  o.args = {"--auth", "none"};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.name = "h2";
  return o;
}

TEST(h2_limits, settings_announce_the_stream_and_header_list_limits) {
  gateway_process gw(h2_gateway({"--http2-max-streams", "7", "--max-header-bytes", "8KiB"}));
  const auto r = run_tool("nghttp", {"-nv", gw.base_url() + "/healthz"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[SETTINGS_MAX_HEADER_LIST_SIZE(0x06):8192]"), std::string::npos) << r.out;
}

TEST(h2_limits, a_header_block_over_the_limit_is_answered_431_and_the_connection_goes_on) {
  gateway_process gw(h2_gateway({"--max-header-bytes", "4KiB"}));
  const std::string big(6000, 'v');
  const std::string list =
      R"([{"path":"/healthz","headers":{"x-big":")" + big + R"("}},{"path":"/healthz"}])";
  const auto r = run_tool("node", {SSE_H2_REQUESTS_SCRIPT, std::to_string(gw.port()), list});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"answers\":[431,200],\"goaway\":null}\n");
}

TEST(h2_limits, shutdown_sends_goaway_and_finishes_each_sse_stream) {
  gateway_process gw(h2_gateway());
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/bye").status, 201);
  auto client = start_tool("nghttp", {"-v", gw.base_url() + "/v1/streams/bye/events"});
  ASSERT_TRUE(bounded_wait(
      [&] { return client.stdout_text().find("retry: 1000") != std::string::npos; }, 10s));
  ASSERT_TRUE(gw.stop(10s).has_value());
  const auto r = finish_tool(client, 10s);
  EXPECT_NE(r.out.find("recv GOAWAY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": server shutting down"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; END_STREAM"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("recv RST_STREAM"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sse::test::h2
