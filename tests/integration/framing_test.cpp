// HTTP framing as a hostile client tries it, against the real binary over raw sockets: request
// smuggling (Transfer-Encoding / Content-Length tricks, obs-fold), Host and absolute-form
// targets, the header timeout on every request of a keep-alive connection, the end of a chunked
// SSE response, malformed stream ids in telemetry, and the gateway's reserved event types.

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/child_process.hpp"
#include "gateway_test.hpp"
#include "redis_server.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class framing_test : public gateway_test {
 protected:
  void SetUp() override { start(); }

  /// Sends `bytes` on a new connection and reads until the gateway closes it (bounded).
  std::string exchange_until_closed(const std::string& bytes, bool& closed) {
    auto conn = http().raw_connect();
    EXPECT_TRUE(conn.send(bytes));
    closed = conn.wait_closed(5s);
    return conn.received();
  }

  /// The stream has no events (never created, or created with nothing appended).
  void expect_no_events(std::string_view stream) {
    const auto res = http().get(stream_path(stream));
    if (res.status == 404) {
      return;
    }
    ASSERT_EQ(res.status, 200) << res.describe();
    EXPECT_EQ(res.json_object().at("last_seq").to_number<std::int64_t>(), 0) << res.describe();
  }
};

/// The number of HTTP responses in `out` (status lines; a message mentioning "HTTP/1.1" is not
/// one).
std::size_t responses_in(const std::string& out) {
  static const std::regex status_line("HTTP/1\\.[01] [0-9]{3} ");
  return static_cast<std::size_t>(
      std::distance(std::sregex_iterator(out.begin(), out.end(), status_line), {}));
}

/// Exactly one response, a 400 whose JSON body is bad_request with a message holding `names`,
/// and the connection closed after it.
::testing::AssertionResult one_400_then_closed(const std::string& out, bool closed,
                                               std::string_view names) {
  if (!closed) {
    return ::testing::AssertionFailure() << "the connection stayed open; received:\n" << out;
  }
  if (out.rfind("HTTP/1.1 400 ", 0) != 0 || responses_in(out) != 1) {
    return ::testing::AssertionFailure() << "expected exactly one 400 response, got:\n" << out;
  }
  const auto body_at = out.find("\r\n\r\n");
  const std::string_view body = std::string_view(out).substr(body_at + 4);
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error") || v.at("error") != "bad_request" ||
      !v.as_object().contains("message") ||
      std::string_view(v.at("message").as_string()).find(names) == std::string_view::npos) {
    return ::testing::AssertionFailure()
           << "expected {\"error\":\"bad_request\"} naming '" << names << "', got:\n"
           << out;
  }
  return ::testing::AssertionSuccess();
}

std::string append_request(std::string_view stream, std::string_view framing_headers,
                           std::string_view body) {
  return "POST /v1/streams/" + std::string(stream) +
         "/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         std::string(framing_headers) + "\r\n" + std::string(body);
}

/// A second, complete append hidden after the first request: executed only if the gateway
/// mistakes where the first request ends.
std::string smuggled(std::string_view stream) {
  constexpr std::string_view body = R"({"data":"smuggled"})";
  return append_request(stream, "Content-Length: " + std::to_string(body.size()) + "\r\n", body);
}

TEST_F(framing_test, a_transfer_encoding_not_ending_in_chunked_is_refused_and_closes) {
  for (const std::string te : {"chunked, identity", "gzip", "xchunked", "identity", "chunked;x"}) {
    SCOPED_TRACE(te);
    bool closed = false;
    const std::string out = exchange_until_closed(
        append_request("smug", "Transfer-Encoding: " + te + "\r\n", "") + smuggled("smug"), closed);
    EXPECT_TRUE(one_400_then_closed(out, closed, "Transfer-Encoding"));
  }
  expect_no_events("smug");
}

TEST_F(framing_test, transfer_encoding_with_content_length_is_refused_and_closes) {
  // Beast refuses Content-Length after `chunked` itself; these orders it would take.
  const std::string chunk = "0\r\n\r\n";
  for (const std::string& headers :
       {"Transfer-Encoding: identity\r\nContent-Length: " + std::to_string(chunk.size()) + "\r\n",
        "Content-Length: " + std::to_string(chunk.size()) + "\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: " + std::to_string(chunk.size()) + "\r\n"}) {
    SCOPED_TRACE(headers);
    bool closed = false;
    const std::string out =
        exchange_until_closed(append_request("smug", headers, chunk) + smuggled("smug"), closed);
    EXPECT_TRUE(out.rfind("HTTP/1.1 400 ", 0) == 0 && responses_in(out) == 1 && closed) << out;
  }
  bool closed = false;
  const std::string out = exchange_until_closed(
      append_request("smug", "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", chunk) +
          smuggled("smug"),
      closed);
  EXPECT_TRUE(one_400_then_closed(out, closed, "both Transfer-Encoding and Content-Length"));
  expect_no_events("smug");
}

TEST_F(framing_test, more_than_one_content_length_is_refused_and_closes) {
  constexpr std::string_view body = R"({"data":"x"})";
  const std::string n = std::to_string(body.size());
  for (const std::string& headers : {"Content-Length: " + n + "\r\nContent-Length: " + n + "\r\n",
                                     "Content-Length: " + n + ", " + n + "\r\n"}) {
    SCOPED_TRACE(headers);
    bool closed = false;
    const std::string out =
        exchange_until_closed(append_request("smug", headers, body) + smuggled("smug"), closed);
    EXPECT_TRUE(one_400_then_closed(out, closed, "Content-Length"));
  }
  // Two different lengths: Beast refuses them itself; still one 400 and a close.
  bool closed = false;
  const std::string out = exchange_until_closed(
      append_request("smug", "Content-Length: " + n + "\r\nContent-Length: 0\r\n", body) +
          smuggled("smug"),
      closed);
  EXPECT_TRUE(out.rfind("HTTP/1.1 400 ", 0) == 0 && responses_in(out) == 1 && closed) << out;
  expect_no_events("smug");
}

TEST_F(framing_test, a_folded_header_line_is_refused_and_closes) {
  constexpr std::string_view body = R"({"data":"x"})";
  bool closed = false;
  const std::string out = exchange_until_closed(
      append_request(
          "smug",
          "X-Note: first\r\n second\r\nContent-Length: " + std::to_string(body.size()) + "\r\n",
          body) +
          smuggled("smug"),
      closed);
  EXPECT_TRUE(one_400_then_closed(out, closed, "folding"));
  expect_no_events("smug");
}

TEST_F(framing_test, an_http_1_1_request_without_host_or_with_two_is_400) {
  bool closed = false;
  std::string out = exchange_until_closed("GET /healthz HTTP/1.1\r\n\r\n", closed);
  EXPECT_TRUE(one_400_then_closed(out, closed, "Host"));
  out = exchange_until_closed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", closed);
  EXPECT_TRUE(one_400_then_closed(out, closed, "Host"));
  // HTTP/1.0 has no Host requirement.
  out = exchange_until_closed("GET /healthz HTTP/1.0\r\n\r\n", closed);
  EXPECT_EQ(out.rfind("HTTP/1.0 200 ", 0), 0u) << out;
}

TEST_F(framing_test, an_absolute_form_target_is_routed_by_its_path) {
  const std::string authority = "127.0.0.1:" + std::to_string(gw().port());
  constexpr std::string_view body = R"({"data":"absolute"})";
  bool closed = false;
  const std::string out = exchange_until_closed(
      "POST http://" + authority + "/v1/streams/abs/events HTTP/1.1\r\nHost: " + authority +
          "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + std::string(body),
      closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u) << out;
  EXPECT_EQ(info("abs").at("last_seq").to_number<std::int64_t>(), 1);

  const std::string health = exchange_until_closed(
      "GET HTTP://" + authority + "/healthz?x=1 HTTP/1.1\r\nHost: " + authority +
          "\r\nConnection: close\r\n\r\n",
      closed);
  EXPECT_EQ(health.rfind("HTTP/1.1 200 ", 0), 0u) << health;
}

TEST_F(framing_test, a_reserved_event_type_from_a_producer_is_refused_by_name) {
  // `event: auth_expired` is what clients read as the gateway's token-expiry signal; `error`
  // stays reserved (EventSource's own error event has that name).
  for (const std::string type : {"error", "auth_expired", "end", "gap", "reset"}) {
    SCOPED_TRACE(type);
    const auto res = http().post(events_path("typed"), R"({"data":"x","event":")" + type + "\"}",
                                 "application/json");
    ASSERT_TRUE(is_api_error(res, 400, "invalid_event"));
    EXPECT_NE(res.body.find("\\\"" + type + "\\\" is reserved"), std::string::npos) << res.body;
  }
  expect_no_events("typed");
}

class header_timeout_test : public gateway_test {
 protected:
  void SetUp() override { start({"--header-timeout", "1s", "--idle-timeout", "30s"}); }
};

TEST_F(header_timeout_test, a_second_request_trickled_on_a_kept_connection_gets_408_in_time) {
  auto conn = http().raw_connect();
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string first = conn.receive_until("\"ok\"", 5s);
  ASSERT_EQ(first.rfind("HTTP/1.1 200 ", 0), 0u) << first;
  const auto first_answer_size = conn.received().size();

  // The second request starts, then sends one header line every 200 ms: never finished.
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  for (int line = 0; line < 40 && !closed; ++line) {
    conn.send("X-Trickle-" + std::to_string(line) + ": y\r\n");
    closed = conn.wait_closed(200ms);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(closed) << "still open after 8 s (the idle timeout is 30 s)";
  // --header-timeout is 1 s; a loaded machine gets slack, the idle timeout would be 30 s.
  EXPECT_LT(took, 5s);
  const std::string second = conn.received().substr(first_answer_size);
  EXPECT_EQ(second.rfind("HTTP/1.1 408 ", 0), 0u) << second;
}

TEST_F(header_timeout_test, an_idle_kept_connection_still_waits_for_the_idle_timeout) {
  // The header timeout counts from a request's first byte: an idle wait is not a slow request.
  auto conn = http().raw_connect();
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(conn.receive_until("\"ok\"", 5s).rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_FALSE(conn.wait_closed(2500ms)) << conn.received();
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string second = conn.receive_until("\"ok\"}", 5s);
  EXPECT_EQ(second.rfind("HTTP/1.1 200 ", 0), 0u) << second;
}

// ---- the end of a chunked SSE response ----------------------------------------------------

/// `raw` (a whole response) is chunked and ends with exactly one last chunk and nothing after.
::testing::AssertionResult ends_with_one_final_chunk(const std::string& raw) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.rfind("HTTP/1.1 200 ", 0) != 0 ||
      raw.substr(0, head_end).find("Transfer-Encoding: chunked") == std::string::npos) {
    return ::testing::AssertionFailure() << "not a chunked 200 response:\n" << raw;
  }
  std::size_t pos = head_end + 4;
  while (pos < raw.size()) {
    const auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) {
      return ::testing::AssertionFailure() << "truncated chunk size line at " << pos << ":\n"
                                           << raw;
    }
    std::size_t size = 0;
    std::istringstream hex(raw.substr(pos, eol - pos));
    if (!(hex >> std::hex >> size)) {
      return ::testing::AssertionFailure() << "bad chunk size line at " << pos << ":\n" << raw;
    }
    pos = eol + 2;
    if (size == 0) {
      if (raw.compare(pos, 2, "\r\n") != 0) {
        return ::testing::AssertionFailure() << "last chunk without its empty line:\n" << raw;
      }
      pos += 2;
      if (pos != raw.size()) {
        return ::testing::AssertionFailure()
               << "bytes after the final chunk: '" << raw.substr(pos) << "' in:\n"
               << raw;
      }
      return ::testing::AssertionSuccess();
    }
    if (pos + size + 2 > raw.size() || raw.compare(pos + size, 2, "\r\n") != 0) {
      return ::testing::AssertionFailure() << "truncated chunk at " << pos << ":\n" << raw;
    }
    pos += size + 2;
  }
  return ::testing::AssertionFailure() << "no final chunk:\n" << raw;
}

std::string subscribe_request(std::string_view stream) {
  return "GET /v1/streams/" + std::string(stream) +
         "/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
}

TEST_F(framing_test, a_deleted_stream_ends_its_sse_response_with_one_final_chunk) {
  append("del", "one");
  auto conn = http().raw_connect();
  ASSERT_TRUE(conn.send(subscribe_request("del")));
  ASSERT_NE(conn.receive_until("data: one\n\n", 5s).find("data: one"), std::string::npos)
      << conn.received();
  ASSERT_EQ(http().del(stream_path("del")).status, 204);
  ASSERT_TRUE(conn.wait_closed(5s)) << conn.received();
  EXPECT_TRUE(ends_with_one_final_chunk(conn.received()));
}

TEST_F(framing_test, nodes_http_client_reads_a_deleted_streams_response_without_error) {
  // Node's parser (llhttp) takes a second final chunk as the start of a malformed response.
  constexpr std::string_view script = R"js(
    const http = require('http');
    const req = http.get(process.argv[1], {headers: {Accept: 'text/event-stream'}}, (res) => {
      let seen = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        seen += d;
        if (seen.includes('data: one')) { console.log('open'); seen = ''; }
      });
      res.on('end', () => { console.log('end'); });
      res.socket.on('error', (e) => { console.error('socket error: ' + e.message); process.exit(1); });
      res.socket.on('close', () => { process.exit(0); });
    });
    req.on('error', (e) => { console.error('error: ' + e.message); process.exit(1); });
  )js";
  append("node", "one");
  tools::child_options node_options;
  node_options.program = "node";
  node_options.args = {"-e", std::string(script), gw().base_url() + events_path("node")};
  node_options.name = "node";
  tools::child_process node(std::move(node_options));
  ASSERT_TRUE(
      bounded_wait([&] { return node.stdout_text().find("open") != std::string::npos; }, 10s))
      << node.stderr_text();
  ASSERT_EQ(http().del(stream_path("node")).status, 204);
  const auto status = node.wait_exit(10s);
  ASSERT_TRUE(status) << "node did not finish: " << node.stdout_text() << node.stderr_text();
  EXPECT_TRUE(tools::exited_with(*status, 0))
      << tools::describe_status(*status) << ": " << node.stdout_text() << node.stderr_text();
  EXPECT_NE(node.stdout_text().find("end"), std::string::npos) << node.stdout_text();
}

TEST_F(framing_test, an_expired_stream_ends_its_sse_response_with_one_final_chunk) {
  ASSERT_EQ(
      http()
          .put(stream_path("exp"), R"({"ttl_seconds":1})", {{"Content-Type", "application/json"}})
          .status,
      201);
  auto conn = http().raw_connect();
  ASSERT_TRUE(conn.send(subscribe_request("exp")));
  ASSERT_NE(conn.receive_until("retry:", 5s).find("retry:"), std::string::npos) << conn.received();
  ASSERT_TRUE(conn.wait_closed(10s)) << conn.received();
  EXPECT_TRUE(ends_with_one_final_chunk(conn.received()));
}

TEST_F(framing_test, an_ended_stream_ends_its_sse_response_with_one_final_chunk) {
  append("fin", "one");
  auto conn = http().raw_connect();
  ASSERT_TRUE(conn.send(subscribe_request("fin")));
  ASSERT_NE(conn.receive_until("data: one\n\n", 5s).find("data: one"), std::string::npos)
      << conn.received();
  end_stream("fin");
  ASSERT_TRUE(conn.wait_closed(5s)) << conn.received();
  EXPECT_TRUE(ends_with_one_final_chunk(conn.received()));
}

TEST(framing_redis_test, a_stream_lost_in_an_empty_redis_restart_ends_with_one_final_chunk) {
  redis_server redis;
  gateway_process gw(std::vector<std::string>{"--store", redis.url()});
  http_client http(gw.host(), gw.port());
  ASSERT_TRUE(bounded_wait([&] { return http.get("/readyz").status == 200; }, 10s));
  ASSERT_EQ(http.post("/v1/streams/lost/events", R"({"data":"one"})", "application/json").status,
            200);
  auto conn = http.raw_connect();
  ASSERT_TRUE(conn.send(subscribe_request("lost")));
  ASSERT_NE(conn.receive_until("data: one\n\n", 5s).find("data: one"), std::string::npos)
      << conn.received();
  redis.stop(false);  // no persistence: it comes back empty
  redis.start();
  ASSERT_TRUE(conn.wait_closed(20s)) << conn.received() << "\n" << gw.diagnostics();
  EXPECT_TRUE(ends_with_one_final_chunk(conn.received())) << gw.diagnostics();
}

// ---- malformed stream ids never reach the telemetry ---------------------------------------

TEST(framing_auth_test, a_malformed_stream_id_is_400_and_telemetry_stays_valid_utf8) {
  temp_dir dir;
  {
    std::ofstream out(dir.path() / "secret");
    out << "framing-test-secret-0123456789\n";
  }
  gateway_process gw(std::vector<std::string>{"--auth", "jwt", "--auth-hs256-secret-file",
                                              (dir.path() / "secret").string()});
  http_client http(gw.host(), gw.port());
  for (const std::string target : {"/v1/streams/%FF%FE/events", "/v1/streams/%C0%AF"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(is_api_error(http.get(target), 400, "invalid_stream_id"));
    EXPECT_TRUE(is_api_error(http.post(target + (target.ends_with("/events") ? "" : "/events"),
                                       R"({"data":"x"})", "application/json"),
                             400, "invalid_stream_id"));
  }
  // A well-formed id without a token is still 401, and its telemetry line marks the end of what
  // the requests above could have written.
  EXPECT_EQ(http.get("/v1/streams/marker/events").status, 401);
  ASSERT_TRUE(gw.wait_for_telemetry("SseAuthRejected", [](const boost::json::object& o) {
    return o.contains("stream") && o.at("stream") == "marker";
  }));
  std::ifstream in(gw.telemetry_path(), std::ios::binary);
  std::string line;
  int lines = 0;
  boost::json::parse_options strict;
  strict.allow_invalid_utf8 = false;
  while (std::getline(in, line)) {
    ++lines;
    boost::system::error_code ec;
    boost::json::parse(line, ec, {}, strict);
    EXPECT_FALSE(ec) << ec.message() << " in telemetry line " << lines << ": " << line;
  }
  EXPECT_GT(lines, 0);
}

}  // namespace
}  // namespace sse::test
