// Every bad input of the HTTP API: a clear JSON error, nothing appended, the server keeps serving.
// Also requests that never complete (--request-timeout) and thousands of idle connections.
#include <sys/resource.h>

#include <boost/json/serialize.hpp>
#include <thread>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class bad_input_test : public gateway_test {
 protected:
  void SetUp() override {
    start({"--max-event-bytes", "1024", "--max-body-bytes", "4096", "--request-timeout", "1s"});
    // A stream with known content: every rejected request below must leave it untouched.
    append_batch("keep", {{"one", "", -1}, {"two", "", -1}});
  }

  /// The "keep" stream still holds exactly its two events and the server answers.
  void expect_untouched() {
    const auto i = info("keep");
    EXPECT_EQ(json_int(i, "last_seq"), 2) << boost::json::serialize(i);
    EXPECT_EQ(json_int(i, "buffered_count"), 2);
    EXPECT_EQ(http().get("/healthz").status, 200);
  }

  http_response post_json(std::string_view stream, std::string body) {
    return http().post(events_path(stream), std::move(body), "application/json");
  }
};

TEST_F(bad_input_test, invalid_stream_ids_are_400_on_every_endpoint) {
  const std::vector<std::string> bad{"a$b", "sp%20ace", std::string(129, 'a'), "%C3%A9t%C3%A9"};
  for (const auto& id : bad) {
    SCOPED_TRACE("stream id " + id);
    EXPECT_TRUE(is_api_error(post_json(id, R"({"data":"x"})"), 400, "invalid_stream_id"));
    EXPECT_TRUE(is_api_error(http().put(stream_path(id)), 400, "invalid_stream_id"));
    EXPECT_TRUE(is_api_error(http().get(stream_path(id)), 400, "invalid_stream_id"));
    EXPECT_TRUE(is_api_error(http().del(stream_path(id)), 400, "invalid_stream_id"));
    EXPECT_TRUE(
        is_api_error(http().post(stream_path(id) + "/end", "{}"), 400, "invalid_stream_id"));
    auto sub = subscribe(id);
    http_response res{sub->status(), "", sub->headers(), sub->body_text()};
    EXPECT_TRUE(is_api_error(res, 400, "invalid_stream_id"));
  }
  // The longest valid id and every allowed character work.
  EXPECT_EQ(post_json(std::string(128, 'a'), R"({"data":"x"})").status, 200);
  EXPECT_EQ(post_json("AZaz09._:-", R"({"data":"x"})").status, 200);
  expect_untouched();
}

TEST_F(bad_input_test, malformed_json_is_400_and_appends_nothing) {
  for (const std::string body :
       {R"({"data":)", "{data: 'x'}", "", "null", R"({"data":"x"} extra)", "\xff\xfe"}) {
    SCOPED_TRACE("body " + body);
    const auto res = post_json("keep", body);
    EXPECT_TRUE(is_api_error(res, 400));
  }
  EXPECT_TRUE(is_api_error(post_json("keep", R"({"data":)"), 400, "invalid_json"));
  expect_untouched();
}

TEST_F(bad_input_test, a_malformed_ndjson_line_rejects_the_whole_batch) {
  const std::vector<std::string> bodies{
      "{\"data\":\"a\"}\n{\"data\":\n{\"data\":\"c\"}\n",     // broken JSON in the middle
      "{\"data\":\"a\"}\n{\"event\":\"t\"}\n",                // missing data on line 2
      "{\"data\":\"a\"}\n{\"data\":\"b\",\"priority\":9}\n",  // priority out of range
      "{\"data\":\"a\"}\n[1]\n",                              // not an object
      "{\"data\":\"a\"}\n{\"data\":\"b\",\"event\":\"a b\"}\n",
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE("batch " + body);
    EXPECT_TRUE(is_api_error(http().post(events_path("keep"), body, "application/x-ndjson"), 400));
  }
  expect_untouched();
  auto sub = subscribe("keep");
  const auto events = sub->collect(3, 1s);
  ASSERT_EQ(events.size(), 2u) << describe_events(events);
  EXPECT_EQ(events[1].data, "two");
}

TEST_F(bad_input_test, invalid_event_objects_are_400) {
  const std::vector<std::string> bodies{
      R"({"event":"t"})",                     // missing data
      R"({})",                                // missing data
      R"({"data":5})",                        // wrong type
      R"({"data":null})",                     // wrong type
      R"({"data":["x"]})",                    // wrong type
      R"({"data":"x","event":3})",            // wrong type
      R"({"data":"x","priority":"high"})",    // wrong type
      R"({"data":"x","priority":4})",         // out of range
      R"({"data":"x","priority":-1})",        // out of range
      R"({"data":"x","priority":1.5})",       // not an integer
      R"({"data":"x","priority":true})",      // wrong type
      R"({"data":"x","event":"a b"})",        // bad characters
      R"({"data":"x","event":"a\nb"})",       // bad characters
      R"({"data":"x","event":"caf\u00e9"})",  // bad characters
      R"({"data":"x","event":"a/b"})",        // bad characters
      R"(["data","x"])",                      // not an object
      R"("x")",                               // not an object
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE("body " + body);
    EXPECT_TRUE(is_api_error(post_json("keep", body), 400));
  }
  EXPECT_TRUE(is_api_error(post_json("keep", R"({"event":"t"})"), 400, "invalid_event"));
  EXPECT_TRUE(
      is_api_error(post_json("keep", R"({"data":"x","priority":4})"), 400, "invalid_event"));
  // A 65-character type is too long; 64 is fine.
  EXPECT_TRUE(is_api_error(
      post_json("keep", R"({"data":"x","event":")" + std::string(65, 't') + "\"}"), 400));
  expect_untouched();
  EXPECT_EQ(post_json("other", R"({"data":"x","event":")" + std::string(64, 't') + "\"}").status,
            200);
  EXPECT_EQ(post_json("other", R"({"data":"x","priority":0})").status, 200);
  EXPECT_EQ(post_json("other", R"({"data":"x","priority":3})").status, 200);
}

TEST_F(bad_input_test, data_over_max_event_bytes_is_413) {
  const auto at_limit = post_json("big", "{\"data\":\"" + std::string(1024, 'x') + "\"}");
  EXPECT_EQ(at_limit.status, 200) << at_limit.describe();
  EXPECT_TRUE(is_api_error(post_json("keep", "{\"data\":\"" + std::string(1025, 'x') + "\"}"), 413,
                           "too_large"));
  // In a batch: the whole batch is refused.
  const std::string batch = "{\"data\":\"ok\"}\n{\"data\":\"" + std::string(1025, 'y') + "\"}\n";
  EXPECT_TRUE(is_api_error(http().post(events_path("keep"), batch, "application/x-ndjson"), 413,
                           "too_large"));
  expect_untouched();
}

TEST_F(bad_input_test, body_over_max_body_bytes_is_413) {
  std::string batch;
  while (batch.size() <= 4096) {
    batch += "{\"data\":\"0123456789012345678901234567890123456789\"}\n";
  }
  EXPECT_TRUE(is_api_error(http().post(events_path("keep"), batch, "application/x-ndjson"), 413,
                           "too_large"));
  expect_untouched();
}

TEST_F(bad_input_test, unsupported_content_type_is_rejected) {
  const auto res = http().post(events_path("keep"), R"({"data":"x"})", "text/plain");
  EXPECT_TRUE(is_api_error(res, 415)) << res.describe();
  expect_untouched();
}

TEST_F(bad_input_test, malformed_last_event_id_is_400) {
  const std::vector<std::string> bad{"abc",        "-1",        "12a",
                                     "abcdef:xyz", "abcdef:-3", ":5",
                                     "abcdef:",    "1.5",       "99999999999999999999999999"};
  for (const auto& id : bad) {
    SCOPED_TRACE("Last-Event-ID " + id);
    auto sub = subscribe("keep", id);
    http_response res{sub->status(), "", sub->headers(), sub->body_text()};
    EXPECT_TRUE(is_api_error(res, 400, "bad_resume_point"));
  }
  auto by_query = subscribe("keep", std::nullopt, "last_event_id=abc");
  http_response res{by_query->status(), "", by_query->headers(), by_query->body_text()};
  EXPECT_TRUE(is_api_error(res, 400, "bad_resume_point"));
  expect_untouched();
}

TEST_F(bad_input_test, unsupported_methods_are_405_with_allow) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"PATCH", stream_path("keep")},
      {"POST", stream_path("keep")},
      {"DELETE", events_path("keep")},
      {"PUT", events_path("keep")},
      {"GET", stream_path("keep") + "/end"},
      {"PUT", "/healthz"},
      {"POST", "/metrics"}};
  for (const auto& [method, target] : cases) {
    SCOPED_TRACE(method + " " + target);
    const auto res = http().request(method, target, method == "GET" ? "" : "{}",
                                    {{"Content-Type", "application/json"}});
    EXPECT_TRUE(is_api_error(res, 405));
    EXPECT_TRUE(res.has_header("Allow")) << res.describe();
  }
  expect_untouched();
}

TEST_F(bad_input_test, unknown_paths_are_404) {
  for (const std::string target : {"/nope", "/v1", "/v1/streams", "/v2/streams/x",
                                   "/v1/streams/keep/unknown", "/v1/streams/keep/events/extra"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(is_api_error(http().get(target), 404, "not_found"));
  }
  expect_untouched();
}

TEST_F(bad_input_test, garbage_instead_of_http_is_answered_400_or_closed) {
  auto c = http().raw_connect();
  ASSERT_TRUE(c.send("NOT HTTP AT ALL\r\n\r\n"));
  // Closed within a bound: a server that neither answers nor closes holds the connection until
  // the client gives up, and that is the failure this test is for.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(5s)) << "neither answered nor closed within 5 s; received: "
                                 << c.received();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // Whatever came before the close is a 400, never a success or a second request's answer.
  if (!c.received().empty()) {
    EXPECT_EQ(c.received().rfind("HTTP/1.1 400", 0), 0u) << c.received();
  }
  expect_untouched();
}

TEST_F(bad_input_test, a_request_that_never_completes_is_closed_within_the_request_timeout) {
  auto half_line = http().raw_connect();
  ASSERT_TRUE(half_line.send("GET /heal"));
  auto half_body = http().raw_connect();
  ASSERT_TRUE(
      half_body.send("POST /v1/streams/keep/events HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                     "{\"data\":"));
  const auto start = std::chrono::steady_clock::now();
  // --request-timeout is 1 s; allow for a loaded machine but not for "never".
  EXPECT_TRUE(half_line.wait_closed(6s)) << "received: " << half_line.received();
  EXPECT_TRUE(half_body.wait_closed(6s)) << "received: " << half_body.received();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
  for (const auto* c : {&half_line, &half_body}) {
    if (!c->received().empty()) {
      EXPECT_EQ(c->received().rfind("HTTP/1.1 408", 0), 0u) << c->received();
    }
  }
  expect_untouched();
}

TEST_F(bad_input_test, thousands_of_idle_connections_do_not_stop_the_server) {
  constexpr int idle = 2000;
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < idle + 500) {
    // Root (the README's setup) may raise the hard limit too; others go up to theirs.
    rlimit raised{std::max<rlim_t>(lim.rlim_cur, 8192), std::max<rlim_t>(lim.rlim_max, 8192)};
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
      ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  // Only a host that refuses even that (an unprivileged run under a low hard limit) skips:
  // no setup step of ours can change it.
  if (lim.rlim_cur < idle + 500) {
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << lim.rlim_max << " is too low for " << idle
                 << " connections";
  }
  // This test's own gateway: a long request timeout so the idle connections stay open, and
  // the raised limit is inherited by it.
  start({"--request-timeout", "60s"});
  http_client opener(gw().host(), gw().port());
  std::vector<raw_connection> conns;
  conns.reserve(idle);
  for (int i = 0; i < idle; ++i) {
    conns.push_back(opener.raw_connect());
  }
  // The gateway accepted them all (bounded wait on its own gauge).
  double open = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    open = metric_value(scrape_metrics(), "sse_gateway_connections_open").value_or(0);
    if (open >= idle) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(open, idle);
  // And still answers normal requests on new connections.
  http_client fresh(gw().host(), gw().port());
  EXPECT_EQ(fresh.get("/healthz").status, 200);
  EXPECT_EQ(fresh.post(events_path("after-idle"), R"({"data":"x"})").status, 200);
  auto sub = subscribe("after-idle");
  ASSERT_EQ(sub->status(), 200);
  EXPECT_TRUE(sub->next_event(5s));
  // Some of the idle connections, picked across the range, still work when finally used.
  for (std::size_t i = 0; i < conns.size(); i += 250) {
    SCOPED_TRACE("idle connection " + std::to_string(i));
    ASSERT_TRUE(conns[i].send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const auto answer = conns[i].receive(5s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  }
}

TEST_F(bad_input_test, connections_beyond_max_connections_are_refused_and_others_still_served) {
  start({"--max-connections", "4"});
  http_client opener(gw().host(), gw().port());
  std::vector<raw_connection> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(opener.raw_connect());
  }
  // Let the gateway accept the four before the fifth arrives.
  ASSERT_TRUE(held[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto first = held[0].receive_until("\r\n\r\n", 5s);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  // README: beyond --max-connections new connections get 503. The gateway writes it without
  // reading a request, then closes: nothing is sent here, so no unread request can turn that
  // close into a reset that discards the answer.
  auto over = opener.raw_connect();
  EXPECT_TRUE(over.wait_closed(5s)) << "the connection over the limit was neither answered nor "
                                       "closed within 5 s; received: "
                                    << over.received();
  EXPECT_EQ(over.received().rfind("HTTP/1.1 503", 0), 0u) << over.received();
  EXPECT_NE(over.received().find("\"error\":\"too_many_connections\""), std::string::npos)
      << over.received();
  // A held connection is still served, and freeing one lets a new client in.
  ASSERT_TRUE(held[1].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto second = held[1].receive_until("\r\n\r\n", 5s);
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
  held.clear();
  const bool served = bounded_wait(
      [&] {
        try {
          http_client fresh(gw().host(), gw().port(), 2s);
          return fresh.get("/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      10s, 100ms);
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace sse::test
