// Misbehaving HTTP/2 clients against the real binary (abuse.mjs: node:http2 and raw frames over a
// plain socket): rapid reset ends that connection with GOAWAY while other clients are served and
// the process stays within bounds; streams past --http2-max-streams are refused one by one while
// the admitted ones finish (a client that read the SETTINGS holds them back itself; one that
// acknowledged them and goes past loses its connection); a bad
// frame ends its connection with the matching GOAWAY code, a bad header field resets its stream
// alone.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "http_client.hpp"
#include "metric_value.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;

tool_result abuse(const gateway_process& gw, std::vector<std::string> args,
                  std::chrono::milliseconds timeout = 30s) {
  args.insert(args.begin(), {SSE_H2_ABUSE_SCRIPT, std::to_string(gw.port())});
  return run_tool("node", args, timeout);
}

/// The last line of a script's output as JSON.
boost::json::object last_json(const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  if (end == std::string::npos) {
    ADD_FAILURE() << "no output";
    return {};
  }
  const auto start = out.rfind('\n', end);
  return boost::json::parse(out.substr(start == std::string::npos ? 0 : start + 1)).as_object();
}

double metric(const gateway_process& gw, std::string_view sample) {
  const auto r = curl(false, "GET", gw.base_url() + "/metrics");
  return metric_value(r.body, sample).value_or(-1);
}

/// CPU seconds (user + system) and resident bytes of a process, from /proc.
struct usage {
  double cpu_seconds = 0;
  std::size_t rss_bytes = 0;
};
usage usage_of(pid_t pid) {
  usage u;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after the command name
  std::string f;
  std::vector<std::string> all;
  while (fields >> f) {
    all.push_back(f);
  }
  // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 here, from state (3).
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  u.cpu_seconds = (std::stod(all.at(11)) + std::stod(all.at(12))) / ticks;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      u.rss_bytes = std::stoul(line.substr(6)) * 1024;  // kB
    }
  }
  return u;
}

TEST(h2_abuse, rapid_reset_ends_the_connection_with_goaway_and_other_clients_are_served) {
  gateway_process gw(h2_gateway());
  ASSERT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);  // warm
  const usage before = usage_of(gw.process().pid());
  // Three attackers at once, each trying 20,000 requests reset right after their HEADERS.
  std::vector<tools::child_process> attackers;
  for (int i = 0; i < 3; ++i) {
    attackers.push_back(start_tool(
        "node", {SSE_H2_ABUSE_SCRIPT, std::to_string(gw.port()), "rapid-reset", "20000"}));
  }
  // Meanwhile an HTTP/1.1 and an HTTP/2 client get their answers.
  EXPECT_EQ(curl(false, "GET", gw.base_url() + "/healthz").status, 200);
  EXPECT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);
  for (auto& a : attackers) {
    const auto r = finish_tool(a, 30s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto v = last_json(r.out);
    // nghttp2's rate limit (a burst of 1000 resets, then 33 a second) ends the connection with
    // GOAWAY long before the 20,000.
    EXPECT_FALSE(v.at("goaway").is_null()) << r.out;
    EXPECT_LT(v.at("sent").as_int64(), 5000) << r.out;
  }
  EXPECT_EQ(curl(false, "GET", gw.base_url() + "/healthz").status, 200);
  EXPECT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);
  ASSERT_TRUE(gw.running());
  const usage after = usage_of(gw.process().pid());
  // Measured: 0.3 s of CPU and 1 MiB in a debug build; the bounds leave room for sanitizers.
  EXPECT_LT(after.cpu_seconds - before.cpu_seconds, 5.0) << "CPU spent on ~3,300 streams";
  EXPECT_LT(after.rss_bytes, before.rss_bytes + 64u * 1024 * 1024) << "RSS grew past 64 MiB";
  EXPECT_EQ(metric(gw, "sse_gateway_http2_connection_errors_total"), 3);
  EXPECT_EQ(metric(gw, "sse_gateway_http2_streams_open"), 0);
}

TEST(h2_abuse, streams_past_the_limit_are_refused_one_by_one_and_the_admitted_ones_finish) {
  gateway_process gw(h2_gateway({"--http2-max-streams", "5"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/many").status, 201);
  // 8 SSE requests in the client's first write, before it could acknowledge the SETTINGS.
  auto client = start_tool("node", {SSE_H2_ABUSE_SCRIPT, std::to_string(gw.port()), "many-streams",
                                    "/v1/streams/many/events", "8"});
  ASSERT_TRUE(wait_for_output(client, "ready", 15s)) << client.stderr_text();
  // The admitted streams are open SSE streams; they finish with the stream's end.
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/many/end").status, 200);
  const auto r = finish_tool(client, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto v = last_json(r.out);
  EXPECT_EQ(v.at("answered").as_int64(), 5) << r.out;
  EXPECT_EQ(v.at("ended").as_int64(), 5) << r.out << " (each with END_STREAM)";
  EXPECT_EQ(v.at("refused").as_int64(), 3) << r.out << " (RST_STREAM REFUSED_STREAM)";
  EXPECT_EQ(v.at("other").as_int64(), 0) << r.out;
  EXPECT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);
}

TEST(h2_abuse, streams_past_an_acknowledged_limit_end_the_connection_with_protocol_error) {
  gateway_process gw(h2_gateway({"--http2-max-streams", "5"}));
  // nghttp2's choice among those RFC 9113 5.1.2 allows: a client that acknowledged the limit and
  // still goes past it breaks the protocol (a connection error, not one stream's).
  const auto r = abuse(gw, {"many-streams", "/healthz", "8", "after-ack"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto v = last_json(r.out);
  EXPECT_EQ(v.at("goaway"), boost::json::value(1)) << r.out << " (PROTOCOL_ERROR)";
  EXPECT_EQ(v.at("refused").as_int64(), 0) << r.out;
  EXPECT_TRUE(gw.running());
  EXPECT_EQ(metric(gw, "sse_gateway_http2_connection_errors_total"), 1);
  EXPECT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);
}

TEST(h2_abuse, a_client_that_read_the_settings_holds_its_streams_past_the_limit_until_some_end) {
  gateway_process gw(h2_gateway({"--http2-max-streams", "5"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/held").status, 201);
  auto client = start_tool("node", {SSE_H2_ABUSE_SCRIPT, std::to_string(gw.port()), "held-streams",
                                    "/v1/streams/held/events", "8"});
  ASSERT_TRUE(wait_for_output(client, "open_answered", 15s)) << client.stderr_text();
  const std::string first = client.stdout_text();
  const auto open = last_json(first);
  EXPECT_EQ(open.at("limit").as_int64(), 5) << first;
  EXPECT_EQ(open.at("open_answered").as_int64(), 5) << first << " (never more than the limit)";
  // The stream's end finishes the five; the three held ones then go out and are answered.
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/held/end").status, 200);
  const auto r = finish_tool(client, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto statuses = last_json(r.out).at("statuses").as_array();
  ASSERT_EQ(statuses.size(), 8u) << r.out;
  for (const auto& s : statuses) {
    EXPECT_EQ(s, boost::json::value(200)) << r.out;
  }
}

TEST(h2_abuse, a_bad_frame_ends_its_connection_with_the_matching_goaway_code) {
  gateway_process gw(h2_gateway());
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"data-on-stream-0", 1},  // PROTOCOL_ERROR (RFC 9113 6.1)
      {"oversized", 6},         // FRAME_SIZE_ERROR: 20000 bytes over SETTINGS_MAX_FRAME_SIZE
  };
  for (const auto& [kind, code] : cases) {
    const auto r = abuse(gw, {"raw-frame", kind});
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    const auto v = last_json(r.out);
    EXPECT_EQ(v.at("goaway"), boost::json::value(code)) << kind << ": " << r.out;
    EXPECT_TRUE(v.at("closed").as_bool()) << kind << ": " << r.out;
    EXPECT_TRUE(v.at("status").as_object().empty()) << kind << ": nothing was served";
  }
  EXPECT_TRUE(gw.running());
  EXPECT_EQ(metric(gw, "sse_gateway_http2_connection_errors_total"), 2);
  EXPECT_EQ(curl(false, "GET", gw.base_url() + "/healthz").status, 200);
  EXPECT_EQ(curl(true, "GET", gw.base_url() + "/healthz").status, 200);
}

TEST(h2_abuse, a_bad_header_field_resets_its_stream_alone_and_the_connection_goes_on) {
  gateway_process gw(h2_gateway());
  // An uppercase field name and a connection-specific field are malformed in HTTP/2 (RFC 9113
  // 8.2.1, 8.2.2): a stream error, not a connection error.
  for (const std::string kind : {"uppercase", "connection"}) {
    const auto r = abuse(gw, {"raw-frame", kind});
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    const auto v = last_json(r.out);
    EXPECT_TRUE(v.at("goaway").is_null()) << kind << ": " << r.out;
    const auto* rst = v.at("rst").as_object().if_contains("1");
    ASSERT_NE(rst, nullptr) << kind << ": " << r.out << " (stream 1 was not reset)";
    EXPECT_EQ(*rst, boost::json::value(1)) << kind << ": " << r.out << " (PROTOCOL_ERROR)";
    // The next request on the same connection: 200 (0x88, :status 200 from HPACK's table).
    const auto* next = v.at("status").as_object().if_contains("3");
    ASSERT_NE(next, nullptr) << kind << ": " << r.out << " (stream 3 was not answered)";
    EXPECT_EQ(*next, boost::json::value(0x88)) << kind << ": " << r.out;
  }
  EXPECT_EQ(metric(gw, "sse_gateway_http2_connection_errors_total"), 0);
}

}  // namespace
}  // namespace sse::test::h2
