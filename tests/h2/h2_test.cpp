// HTTP/2 against the real binary with real clients: every v1 route answers the same over h2c as
// over HTTP/1.1; 150 concurrent SSE streams on one connection; a resume over h2; --http2 off; a
// reader too slow for its window is reset while another stream of its connection goes on; nghttp
// with a tiny window is reset and its resume with Last-Event-ID gets every event exactly once.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <fstream>
#include <thread>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "http_client.hpp"
#include "metric_value.hpp"
#include "same_answers.hpp"
#include "stream/sse_parser.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;

TEST(h2_gateway, every_v1_route_answers_the_same_over_h2c_as_over_http11) {
  gateway_process gw(h2_gateway());
  const std::string json = "Content-Type: application/json";
  const std::vector<step> steps{
      {"PUT", "/v1/streams/rc", {}},
      {"PUT", "/v1/streams/rc", {"-H", json, "--data", R"({"buffer_limit":10})"}},
      {"POST", "/v1/streams/rc/events", {"-H", json, "--data", R"({"data":"a","event":"t"})"}},
      {"POST",
       "/v1/streams/rc/events",
       {"-H", "Content-Type: application/x-ndjson", "--data-binary",
        "{\"data\":\"b\"}\n{\"data\":\"c\"}\n"}},
      {"POST", "/v1/streams/rc/events", {"-H", json, "--data", R"({"data":)"}},
      {"POST", "/v1/streams/rc/events", {"-H", json, "--data", R"({"data":"x","id":"1"})"}},
      {"POST", "/v1/streams/rc/events", {"-H", "Content-Type: text/plain", "--data", "x"}},
      {"GET", "/v1/streams/rc", {}},
      {"GET", "/v1/streams/bad$id", {}},
      {"GET", "/v1/streams/missing-one", {}},
      {"PATCH", "/v1/streams/rc", {}},
      {"OPTIONS", "/v1/streams/rc/events", {}},
      {"GET", "/v1/streams/rc/events", {"-H", "Last-Event-ID: x:y"}},
      {"POST", "/v1/streams/rc/end", {"--data", R"({"status":"completed"})"}},
      {"GET", "/v1/streams/rc/events", {"-H", "Last-Event-ID: 4"}},
      {"GET", "/v1/streams/rc/events", {}},
      {"GET", "/v1/streams/rc/events?history=sideways", {}},
      {"GET", "/healthz", {}},
      {"GET", "/readyz", {}},
      {"HEAD", "/healthz", {}},
      {"GET", "/metrics", {}, false},
      {"OPTIONS", "/v1/streams/rc", {"--request-target", "*"}},
      {"GET", "/no/such/route", {}},
      {"DELETE", "/v1/streams/rc", {}},
  };
  const auto over_h1 = run_steps(gw.base_url(), false, steps);
  const auto over_h2 = run_steps(gw.base_url(), true, steps);
  ASSERT_EQ(over_h1.size(), over_h2.size());
  for (std::size_t i = 0; i < over_h1.size(); ++i) {
    EXPECT_EQ(over_h2[i], over_h1[i]);
  }
  // The answers are the real ones, not two equal failures.
  EXPECT_NE(over_h2[0].find("-> 201 "), std::string::npos) << over_h2[0];
  EXPECT_NE(over_h2[15].find("data: c"), std::string::npos) << over_h2[15];
  EXPECT_NE(over_h2[14].find("-> 204"), std::string::npos) << over_h2[14];
}

/// The response header block curl received, lowercased.
std::string headers_of(bool h2, const std::string& url, const std::vector<std::string>& extra) {
  std::vector<std::string> args{
      "-s",        "-D",         "-",  "-o",
      "/dev/null", "--max-time", "20", h2 ? "--http2-prior-knowledge" : "--http1.1"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(url);
  auto r = run_tool("curl", args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (char& c : r.out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return r.out;
}

TEST(h2_gateway, cors_headers_are_the_same_over_h2c_as_over_http11) {
  gateway_process gw(h2_gateway({"--cors-origin", "https://app.example"}));
  const std::vector<std::string> preflight{"-X", "OPTIONS",
                                           "-H", "Origin: https://app.example",
                                           "-H", "Access-Control-Request-Method: POST"};
  const std::vector<std::string> simple{"-H", "Origin: https://app.example"};
  for (bool h2 : {false, true}) {
    SCOPED_TRACE(h2 ? "h2" : "http/1.1");
    const auto pre = headers_of(h2, gw.base_url() + "/v1/streams/c/events", preflight);
    EXPECT_NE(pre.find(" 204"), std::string::npos) << pre;
    EXPECT_NE(pre.find("access-control-allow-origin: https://app.example\r\n"), std::string::npos)
        << pre;
    EXPECT_NE(pre.find("access-control-allow-methods: "), std::string::npos) << pre;
    const auto get = headers_of(h2, gw.base_url() + "/healthz", simple);
    EXPECT_NE(get.find(" 200"), std::string::npos) << get;
    EXPECT_EQ(get.find("access-control-allow-origin: https://app.example\r\n"),
              get.rfind("access-control-allow-origin: https://app.example\r\n"))
        << "exactly once: " << get;
    EXPECT_NE(get.find("access-control-allow-origin: https://app.example\r\n"), std::string::npos)
        << get;
  }
}

/// Reads one unlabelled sample of /metrics (asked over HTTP/1.1); -1 when it is missing.
long metric(const gateway_process& gw, const std::string& name) {
  return static_cast<long>(
      metric_value(curl(false, "GET", gw.base_url() + "/metrics").body, name).value_or(-1));
}

long open_subscriptions(const gateway_process& gw) {
  return metric(gw, "sse_gateway_sse_connections_open");
}

TEST(h2_gateway,
     a_hundred_and_fifty_concurrent_sse_streams_on_one_connection_each_get_every_event) {
  // Past the default 128 concurrent streams, as an operator raises it for a page of many.
  gateway_process gw(h2_gateway({"--http2-max-streams", "200"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/many").status, 201);
  // nghttp prints every stream's DATA to one stdout as it comes; with its default 64 KiB
  // connection window the 150 streams' events arrive in window-sized pieces that split an event
  // between two streams' output (seen: one "data: e0" cut in two). -W 24: a 16 MiB window, so
  // each stream's batch comes whole and the counts below are per event.
  auto client =
      start_tool("nghttp", {"-W", "24", "-m", "150", gw.base_url() + "/v1/streams/many/events"});
  ASSERT_TRUE(bounded_wait([&] { return open_subscriptions(gw) == 150; }, 15s, 100ms))
      << "open: " << open_subscriptions(gw);
  // By protocol: one HTTP/2 connection with the 150 streams (the /metrics request is HTTP/1.1).
  EXPECT_EQ(metric(gw, "sse_gateway_http2_connections_open"), 1);
  EXPECT_EQ(metric(gw, "sse_gateway_http2_streams_open"), 150);
  EXPECT_GE(metric(gw, "sse_gateway_http2_streams_total"), 151);  // and the PUT's
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += "{\"data\":\"e" + std::to_string(i) + "\"}\n";
  }
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/many/events",
                 {"-H", "Content-Type: application/x-ndjson", "--data-binary", batch})
                .status,
            200);
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/many/end").status, 200);
  const auto r = finish_tool(client, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "event: end\n"), 150u);
  EXPECT_EQ(count_of(r.out, "data: e0\n"), 150u);
  EXPECT_EQ(count_of(r.out, "data: e19\n"), 150u);
  EXPECT_EQ(count_of(r.out, "data: e"), 150u * 20);
  EXPECT_TRUE(
      bounded_wait([&] { return metric(gw, "sse_gateway_http2_streams_open") == 0; }, 10s, 100ms))
      << "HTTP/2 streams still counted open after the client left";
}

// DELETE ends every h2 subscriber of the stream, each with END_STREAM, and no other stream of
// their connection (nchan's open bug #605: a DELETE does not end its HTTP/2 subscribers).
TEST(h2_gateway, delete_ends_the_h2_subscribers_of_the_stream_and_no_other_stream) {
  gateway_process gw(h2_gateway());
  const auto append = [&](const std::string& stream, const std::string& data) {
    return append_event(gw, true, stream, data).status;
  };
  ASSERT_EQ(append("gone", "one"), 200);
  ASSERT_EQ(append("kept", "k1"), 200);
  const std::string gone = gw.base_url() + "/v1/streams/gone/events";
  // Six streams on one connection (nghttp -m 3: each URI three times): three on the stream to
  // delete, three on another.
  auto client = start_tool("nghttp", {"-m", "3", gone, gw.base_url() + "/v1/streams/kept/events"});
  ASSERT_TRUE(bounded_wait([&] { return open_subscriptions(gw) == 6; }, 10s))
      << "open: " << open_subscriptions(gw);
  ASSERT_EQ(curl(true, "DELETE", gw.base_url() + "/v1/streams/gone").status, 204);
  EXPECT_TRUE(bounded_wait([&] { return open_subscriptions(gw) == 3; }, 10s))
      << "the deleted stream's subscribers are still open: " << open_subscriptions(gw);
  ASSERT_EQ(append("kept", "k2"), 200);
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/kept/end").status, 200);
  const auto r = finish_tool(client, 20s);
  ASSERT_EQ(r.exit_code, 0) << "nghttp finished with an error\n" << r.err;
  EXPECT_EQ(count_of(r.out, "data: one\n"), 3u) << r.out;
  EXPECT_EQ(count_of(r.out, "data: k1\n"), 3u) << r.out;
  EXPECT_EQ(count_of(r.out, "data: k2\n"), 3u) << "the other stream went on\n" << r.out;
  EXPECT_EQ(count_of(r.out, "event: end\n"), 3u) << r.out;
}

TEST(h2_gateway, a_resume_with_last_event_id_over_h2_gets_only_what_came_after) {
  gateway_process gw(h2_gateway());
  const auto first = append_event(gw, true, "r", "one");
  const std::string epoch = epoch_of(first.body);
  ASSERT_FALSE(epoch.empty()) << first.body;
  for (const char* d : {"two", "three"}) {
    append_event(gw, true, "r", d);
  }
  curl(true, "POST", gw.base_url() + "/v1/streams/r/end");
  const auto a = curl(true, "GET", gw.base_url() + "/v1/streams/r/events",
                      {"-H", "Last-Event-ID: " + epoch + ":1"});
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.http_version, "2");
  EXPECT_EQ(a.body.find("data: one"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("id: " + epoch + ":2\ndata: two\n"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("id: " + epoch + ":3\ndata: three\n"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("event: end"), std::string::npos) << a.body;
}

// h2load reads an ended stream (its replay, then `end`) again and again, over h2 streams and
// over HTTP/1.1 connections. Over HTTP/1.1 the connection ends with the stream: the head must say
// `Connection: close`, or a client sends its next request into a closing socket (with
// `keep-alive` in the head, h2load --h1 counted 99 % of these reads failed).
TEST(h2_gateway, h2load_reads_an_ended_stream_over_h2_and_http11_without_a_failure) {
  gateway_process gw(h2_gateway());
  for (const char* d : {"one", "two", "three"}) {
    ASSERT_EQ(append_event(gw, false, "ended", d).status, 200);
  }
  ASSERT_EQ(curl(false, "POST", gw.base_url() + "/v1/streams/ended/end").status, 200);
  const std::string url = gw.base_url() + "/v1/streams/ended/events";
  for (const bool h1 : {false, true}) {
    SCOPED_TRACE(h1 ? "HTTP/1.1" : "h2c");
    std::vector<std::string> args{"-n", "200", "-c", "4", "-t", "1"};
    if (h1) {
      args.insert(args.begin(), "--h1");
    } else {
      args.insert(args.end(), {"-m", "10"});
    }
    args.push_back(url);
    const auto r = run_tool("h2load", args, 60s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("status codes: 200 2xx"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(h1 ? "Application protocol: http/1.1" : "Application protocol: h2c"),
              std::string::npos)
        << r.out;
  }
}

TEST(h2_gateway, with_http2_off_the_preface_is_answered_as_http11_would) {
  const std::string preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  {
    gateway_process gw(h2_gateway({"--http2", "off"}));
    http_client c(gw.host(), gw.port());
    auto conn = c.raw_connect();
    ASSERT_TRUE(conn.send(preface));
    const std::string got = conn.receive(3s);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 400 ")) << got;
  }
  gateway_process gw(h2_gateway());
  http_client c(gw.host(), gw.port());
  auto conn = c.raw_connect();
  ASSERT_TRUE(conn.send(preface));
  const std::string got = conn.receive_until(std::string(1, '\x04'), 3s);
  ASSERT_GE(got.size(), 9u);
  EXPECT_EQ(got[3], '\x04') << "the first frame is SETTINGS";
}

/// The complete SSE events in `body` that carry an id (a cut may leave a partial one at the end,
/// which the parser keeps back).
std::vector<stream::parsed_event> complete_events(const std::string& body) {
  std::vector<stream::parsed_event> out = stream::sse_parser().feed(body);
  std::erase_if(out, [](const stream::parsed_event& e) { return e.id.empty(); });
  return out;
}

TEST(h2_gateway, a_reader_with_a_tiny_window_is_reset_and_resumes_with_every_event_once) {
  gateway_process gw(h2_gateway({"--max-queue-bytes", "16KiB", "--buffer-max-bytes", "4MiB"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/tiny").status, 201);
  const std::string url = gw.base_url() + "/v1/streams/tiny/events";
  // nghttp as the slow reader: a stream window of 15 bytes (2^4 - 1), so a 400 KB write needs
  // tens of thousands of WINDOW_UPDATE round trips.
  auto slow = start_tool("nghttp", {"-w", "4", url});
  ASSERT_TRUE(bounded_wait([&] { return open_subscriptions(gw) == 1; }, 10s));
  const std::string data(4000, 'x');
  std::string batch;
  constexpr int per_batch = 100;
  for (int i = 0; i < per_batch; ++i) {
    batch += "{\"data\":\"" + data + "\"}\n";
  }
  const auto batch_file = gw.dir() / "tiny.ndjson";
  std::ofstream(batch_file) << batch;
  // The first batch is one write the window drains slowly; once the reader has a few events of
  // it, the second queues behind it, past --max-queue-bytes: the stream is reset as a slow client.
  const auto append_batch = [&] {
    return curl(true, "POST", url,
                {"-H", "Content-Type: application/x-ndjson", "--data-binary",
                 "@" + batch_file.string()})
        .status;
  };
  ASSERT_EQ(append_batch(), 200);
  ASSERT_TRUE(bounded_wait([&] { return !complete_events(slow.stdout_text()).empty(); }, 10s));
  ASSERT_EQ(append_batch(), 200);
  ASSERT_TRUE(gw.wait_for_telemetry("SseSlowClientDropped")) << "reset as a slow client";
  const auto cut = finish_tool(slow, 20s);
  const auto first = complete_events(cut.out);
  ASSERT_FALSE(first.empty());
  ASSERT_LT(first.size(), static_cast<std::size_t>(2 * per_batch)) << "it was cut short";
  ASSERT_EQ(curl(true, "POST", gw.base_url() + "/v1/streams/tiny/end").status, 200);

  // The client comes back with the last id it saw and gets the rest, then the end.
  const auto resumed = run_tool("nghttp", {"-H", "last-event-id: " + first.back().id, url}, 20s);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto all = first;
  const auto rest = complete_events(resumed.out);
  all.insert(all.end(), rest.begin(), rest.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(2 * per_batch + 1)) << "every event, once";
  const std::string epoch = all.front().id.substr(0, all.front().id.find(':'));
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].id, epoch + ":" + std::to_string(i + 1)) << "in order, none twice";
  }
  EXPECT_EQ(all.back().event, "end");
}

// The fast stream must not wait for the slow one: while the slow stream sits on a full window
// and a growing queue (past a heartbeat, before its queue overflows), every event reaches the
// fast stream within a heartbeat of its append. The script appends and measures on one clock.
TEST(h2_gateway,
     a_slow_reader_is_reset_while_another_stream_of_its_connection_receives_within_a_heartbeat) {
  constexpr int events = 300;
  constexpr int heartbeat_ms = 1000;
  gateway_process gw(h2_gateway(
      {"--max-queue-bytes", "512KiB", "--heartbeat", std::to_string(heartbeat_ms) + "ms"}));
  ASSERT_EQ(curl(true, "PUT", gw.base_url() + "/v1/streams/slow").status, 201);
  // One 4 KB event every 10 ms: the slow stream's window (64 KiB) and queue (512 KiB) hold
  // ~140 events, so it stays open, stuck, for at least 1.4 s before it is reset.
  auto r = run_tool("node",
                    {SSE_H2_SLOW_READER_SCRIPT, std::to_string(gw.port()),
                     "/v1/streams/slow/events", std::to_string(events), "10"},
                    60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.out.find('{'), std::string::npos) << r.out << r.err;
  const std::string line = r.out.substr(r.out.find('{'));
  const auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("slow_rst").as_int64(), 8) << line << " (8: CANCEL)";
  EXPECT_GT(v.at("slow_rst_after_ms").as_int64(), heartbeat_ms)
      << line << ": the slow stream was stuck for longer than a heartbeat before its reset";
  EXPECT_EQ(v.at("fast_events").as_int64(), events) << line;
  EXPECT_TRUE(v.at("fast_end").as_bool()) << line;
  EXPECT_LE(v.at("max_delay_ms").as_int64(), heartbeat_ms)
      << line << ": the fast stream stalled behind the slow one";
  EXPECT_TRUE(gw.wait_for_telemetry("SseSlowClientDropped")) << "counted as a slow client";
}

}  // namespace
}  // namespace sse::test::h2
