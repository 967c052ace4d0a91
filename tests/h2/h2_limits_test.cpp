// HTTP/2 limits and shutdown against the real binary: the SETTINGS a client is told
// (--http2-max-streams, the header list size from --max-header-bytes, the windows), a header block
// over the limit answered 431 on its stream alone, a request that never ends answered 408 on its
// stream alone (--request-timeout), the bytes a connection's stalled streams hold bounded
// (--http2-max-connection-queue-bytes), and GOAWAY then a finished stream on SIGTERM.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "metric_value.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;

TEST(h2_limits, settings_announce_the_stream_and_header_list_limits) {
  gateway_process gw(h2_gateway({"--http2-max-streams", "7", "--max-header-bytes", "8KiB"}));
  const auto r = run_tool("nghttp", {"-nv", gw.base_url() + "/healthz"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[SETTINGS_MAX_HEADER_LIST_SIZE(0x06):8192]"), std::string::npos) << r.out;
}

// A producer may send 1 MiB on a stream and 16 MiB on the connection before the gateway's
// WINDOW_UPDATE (64 KiB, HTTP/2's default, throttled appends over a round trip: BENCHMARKS.md),
// and a body past the stream window still arrives whole through WINDOW_UPDATEs.
TEST(h2_limits, producers_get_large_windows_and_a_body_past_them_arrives_whole) {
  gateway_process gw(h2_gateway());
  const auto settings = run_tool("nghttp", {"-nv", gw.base_url() + "/healthz"});
  EXPECT_EQ(settings.exit_code, 0) << settings.err;
  EXPECT_NE(settings.out.find("[SETTINGS_INITIAL_WINDOW_SIZE(0x04):1048576]"), std::string::npos)
      << settings.out;
  EXPECT_NE(settings.out.find("stream_id=0>\n          (window_size_increment=16711681)"),
            std::string::npos)
      << settings.out << " (16 MiB - 65535 on the connection)";

  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/big").status, 201);
  std::string batch;
  constexpr int events = 900;  // 3.6 MB: three and a half stream windows
  for (int i = 0; i < events; ++i) {
    batch += R"({"data":")" + std::to_string(i) + std::string(4000, 'x') + "\"}\n";
  }
  const auto file = gw.dir() / "big.ndjson";
  std::ofstream(file) << batch;
  const auto r =
      curl(true, "POST", gw.base_url() + "/v1/streams/big/events",
           {"-H", "Content-Type: application/x-ndjson", "--data-binary", "@" + file.string()});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.http_version, "2");
  const auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("first_seq").as_int64(), 1) << r.body;
  EXPECT_EQ(v.at("last_seq").as_int64(), events) << r.body;
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

boost::json::object json_line(const std::string& line) {
  return boost::json::parse(line).as_object();
}

TEST(h2_limits, a_request_that_never_ends_is_answered_408_on_its_stream_alone) {
  gateway_process gw(h2_gateway({"--request-timeout", "1s"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/rt").status, 201);
  // On one connection: an SSE stream, and an append whose HEADERS come without END_STREAM and
  // no DATA after them.
  auto client = start_tool("node", {SSE_H2_UNFINISHED_REQUEST_SCRIPT, std::to_string(gw.port()),
                                    "/v1/streams/rt/events", "/v1/streams/rt/events"});
  ASSERT_TRUE(bounded_wait(
      [&] { return client.stdout_text().find('\n') != std::string::npos || !client.running(); },
      10s));
  const std::string out = client.stdout_text();
  ASSERT_NE(out.find('\n'), std::string::npos) << client.stderr_text();
  const auto first = json_line(out.substr(0, out.find('\n')));
  EXPECT_EQ(first.at("status").as_int64(), 408) << out;
  const auto body = boost::json::parse(first.at("body").as_string()).as_object();
  EXPECT_EQ(body.at("error").as_string(), "request_timeout") << out;  // as over HTTP/1.1
  EXPECT_GE(first.at("ms").as_int64(), 900) << out;
  EXPECT_LT(first.at("ms").as_int64(), 5000) << out;
  EXPECT_EQ(first.at("rst").as_int64(), 0) << out << " (closed with NO_ERROR)";
  EXPECT_EQ(first.at("next").as_int64(), 200) << out << " (the connection goes on)";
  // The SSE stream of that connection was not touched: it gets what comes next, and its end.
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/rt/events",
                 {"-H", "Content-Type: application/json", "--data", R"({"data":"after"})"})
                .status,
            200);
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/rt/end").status, 200);
  const auto r = finish_tool(client, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto second = json_line(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(second.at("sse_events").as_int64(), 2) << r.out << " (the event, then end)";
  EXPECT_TRUE(second.at("sse_end").as_bool()) << r.out;
  const auto metrics = curl(false, "GET", gw.base_url() + "/metrics").body;
  EXPECT_EQ(metric_value(metrics, R"(sse_gateway_limit_rejections_total{limit="request_timeout"})"),
            1);
  EXPECT_EQ(metric_value(metrics, "sse_gateway_http2_streams_open"), 0);
}

/// Four unread streams and one read to its end on ONE connection (stalled_streams.mjs), against
/// `appends` appends of `events` events of 2 KB each to stream `id`; each unread stream's window
/// (64 KiB) fills and stays shut. At least three of the unread streams must be reset as slow
/// clients for the connection's bound, and the stream that reads loses nothing.
void expect_stalled_streams_reset(gateway_process& gw, const std::string& id, int events,
                                  int appends) {
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/" + id).status, 201);
  auto client = start_tool("node", {SSE_H2_STALLED_STREAMS_SCRIPT, std::to_string(gw.port()),
                                    "/v1/streams/" + id + "/events", "4"});
  ASSERT_TRUE(wait_for_output(client, "ready", 15s)) << client.stderr_text();
  const std::string data(2000, 'x');
  std::string batch;
  for (int i = 0; i < events; ++i) {
    batch += "{\"data\":\"" + data + "\"}\n";
  }
  const auto batch_file = gw.dir() / "batch.ndjson";  // over the size of one argument
  std::ofstream(batch_file) << batch;
  for (int b = 0; b < appends; ++b) {
    ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/" + id + "/events",
                   {"-H", "Content-Type: application/x-ndjson", "--data-binary",
                    "@" + batch_file.string()})
                  .status,
              200);
  }
  const auto dropped = gw.wait_for_telemetry_count(
      "SseSlowClientDropped", 3,
      [](const boost::json::object& o) { return o.at("bound") == "http2_connection"; }, 10s);
  ASSERT_GE(dropped.size(), 3u);
  EXPECT_EQ(dropped[0].at("stream").as_string(), id);
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/" + id + "/end").status, 200);
  const auto r = finish_tool(client, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto v = json_line(r.out.substr(r.out.rfind('{')));
  int reset = 0;
  for (const auto& code : v.at("slow_rst").as_array()) {
    if (code == boost::json::value(8)) {
      ++reset;  // CANCEL: the client resumes with Last-Event-ID
    }
  }
  EXPECT_GE(reset, 3) << r.out;
  // One report per unread stream: reset (SseSlowClientDropped alone, not also a departure), or
  // still open when the client closed its connection (SseClientDisconnected).
  gw.wait_for_telemetry_count("SseClientDisconnected", static_cast<std::size_t>(4 - reset), {}, 5s);
  EXPECT_EQ(gw.telemetry_named("SseSlowClientDropped").size(), static_cast<std::size_t>(reset));
  EXPECT_EQ(gw.telemetry_named("SseClientDisconnected").size(),
            static_cast<std::size_t>(4 - reset));
  // The stream that reads was never chosen and lost nothing.
  EXPECT_EQ(v.at("fast_events").as_int64(), appends * events + 1) << r.out;  // + end
  EXPECT_TRUE(v.at("fast_end").as_bool()) << r.out;
  const auto metrics = curl(false, "GET", gw.base_url() + "/metrics").body;
  EXPECT_GE(metric_value(metrics, "sse_gateway_slow_clients_dropped_total").value_or(0), 3);
}

TEST(h2_limits,
     stalled_streams_over_the_connection_queue_bound_are_reset_and_readers_lose_nothing) {
  // Each stream's own queue (1 MiB) is never reached here: only the connection's bound acts.
  gateway_process gw(
      h2_gateway({"--max-queue-bytes", "1MiB", "--http2-max-connection-queue-bytes", "256KiB"}));
  // Appends of 100 events of 2 KB: each unread stream's window takes the first third of the
  // first one and keeps back ~137 KB of that write; four of them hold ~548 KB, over the bound of
  // 256 KiB once they stalled: at least three must go (two keep back more than the bound).
  expect_stalled_streams_reset(gw, "cq", 100, 3);
}

TEST(h2_limits, frames_queued_behind_stalled_writes_count_in_the_connection_queue_bound) {
  gateway_process gw(
      h2_gateway({"--max-queue-bytes", "1MiB", "--http2-max-connection-queue-bytes", "256KiB"}));
  // The first append of 40 events (80 KB) is one write per stream, of which the window keeps
  // back only ~16 KB: ~64 KB for the four unread streams, well within the bound. The next two
  // appends queue behind those stalled writes in each subscription (160 KB each, far from the
  // stream's own 1 MiB), ~700 KB for the connection: over the bound only when they count.
  expect_stalled_streams_reset(gw, "cqq", 40, 3);
}

}  // namespace
}  // namespace sse::test::h2
