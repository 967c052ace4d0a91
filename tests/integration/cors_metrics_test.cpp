// CORS headers and preflights with and without --cors-origin (one origin, a list, `*`, `null`),
// each field counted; Prometheus /metrics whose counters move with traffic.
#include <boost/json/serialize.hpp>
#include <sstream>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class cors_test : public gateway_test {};
class metrics_test : public gateway_test {};

const header_list origin{{"Origin", "https://app.example"}};

/// The comma-separated tokens of a header value, lower-cased and trimmed.
std::vector<std::string> tokens(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream in(value);
  std::string t;
  while (std::getline(in, t, ',')) {
    const auto b = t.find_first_not_of(" \t");
    const auto e = t.find_last_not_of(" \t");
    if (b == std::string::npos) {
      continue;
    }
    t = t.substr(b, e - b + 1);
    for (auto& c : t) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.push_back(t);
  }
  return out;
}

bool has_token(const std::optional<std::string>& value, std::string_view token) {
  if (!value) {
    return false;
  }
  for (const auto& t : tokens(*value)) {
    if (t == token) {
      return true;
    }
  }
  return false;
}

/// How often a field appears: browsers refuse an Access-Control-Allow-Origin sent twice, so the
/// checks below count instead of looking for presence.
std::size_t count(const http_response& r, std::string_view name) {
  return r.headers.count(name);
}

/// The CORS fields of an answer that grants `origin` (a listed one): each exactly once.
::testing::AssertionResult grants_once(const http_response& r, std::string_view origin) {
  for (const auto* f : {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary",
                        "Access-Control-Expose-Headers"}) {
    if (count(r, f) != 1) {
      return ::testing::AssertionFailure() << f << " appears " << count(r, f) << " times:\n"
                                           << r.describe();
    }
  }
  if (r.header("Access-Control-Allow-Origin") != origin || r.header("Vary") != "Origin" ||
      r.header("Access-Control-Allow-Credentials") != "true") {
    return ::testing::AssertionFailure() << "expected a grant to " << origin << ":\n"
                                         << r.describe();
  }
  return ::testing::AssertionSuccess();
}

/// A preflight answer that grants `origin`: 204, every CORS field once, and the route's methods.
::testing::AssertionResult preflight_grants_once(const http_response& r, std::string_view origin,
                                                 std::string_view methods) {
  if (r.status != 204) {
    return ::testing::AssertionFailure() << "status " << r.status << ":\n" << r.describe();
  }
  for (const auto* f : {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary",
                        "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                        "Access-Control-Max-Age", "Allow"}) {
    if (count(r, f) != 1) {
      return ::testing::AssertionFailure() << f << " appears " << count(r, f) << " times:\n"
                                           << r.describe();
    }
  }
  if (count(r, "Access-Control-Expose-Headers") != 0) {
    return ::testing::AssertionFailure() << "Expose-Headers on a preflight:\n" << r.describe();
  }
  if (r.header("Access-Control-Allow-Origin") != origin ||
      r.header("Access-Control-Allow-Methods") != methods || r.header("Allow") != methods) {
    return ::testing::AssertionFailure()
           << "expected a grant of " << methods << " to " << origin << ":\n"
           << r.describe();
  }
  return ::testing::AssertionSuccess();
}

/// No CORS grant at all (Vary may be there: the answer depends on Origin).
::testing::AssertionResult grants_nothing(const http_response& r) {
  for (const auto* f : {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                        "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                        "Access-Control-Expose-Headers", "Access-Control-Max-Age"}) {
    if (count(r, f) != 0) {
      return ::testing::AssertionFailure() << f << " granted:\n" << r.describe();
    }
  }
  return ::testing::AssertionSuccess();
}

header_list preflight_of(std::string_view origin, std::string_view method,
                         std::string_view headers = {}) {
  header_list h{{"Origin", std::string(origin)},
                {"Access-Control-Request-Method", std::string(method)}};
  if (!headers.empty()) {
    h.emplace_back("Access-Control-Request-Headers", std::string(headers));
  }
  return h;
}

TEST_F(cors_test, every_answer_carries_each_cors_field_once) {
  start({"--cors-origin", "https://app.example"});
  const std::string o = "https://app.example";
  EXPECT_TRUE(grants_once(http().get("/healthz", origin), o));
  const auto appended =
      http().post(events_path("c"), R"({"data":"x"})", "application/json", origin);
  ASSERT_EQ(appended.status, 200) << appended.describe();
  EXPECT_TRUE(grants_once(appended, o));
  const auto missing = http().get(stream_path("missing"), origin);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(grants_once(missing, o)) << "browsers can only read errors that carry the header";
  const auto no_route = http().get("/nope", origin);
  EXPECT_EQ(no_route.status, 404);
  EXPECT_TRUE(grants_once(no_route, o));
  const auto wrong_method = http().request("PUT", events_path("c"), {}, origin);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_TRUE(grants_once(wrong_method, o));
  const auto bad_id = http().get(stream_path("bad%20id"), origin);
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_TRUE(grants_once(bad_id, o));

  auto sub = subscribe("c", std::nullopt, {}, origin);
  ASSERT_EQ(sub->status(), 200);
  for (const auto* f : {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary",
                        "Access-Control-Expose-Headers"}) {
    EXPECT_EQ(sub->headers().count(f), 1u) << f << " on the SSE answer";
  }
  EXPECT_EQ(sub->header("Access-Control-Allow-Origin"), o);
  ASSERT_TRUE(sub->next_event(5s));

  // The preflights a page sends before a JSON append, a subscribe with Last-Event-ID, and a
  // relay call with Idempotency-Key.
  const auto pre_append = http().request("OPTIONS", events_path("c"), {},
                                         preflight_of(o, "POST", "content-type,producer-seq"));
  EXPECT_TRUE(preflight_grants_once(pre_append, o, "GET, POST, OPTIONS"));
  const auto allow_headers = pre_append.header("Access-Control-Allow-Headers");
  for (const auto* h :
       {"last-event-id", "content-type", "producer-seq", "authorization", "idempotency-key"}) {
    EXPECT_TRUE(has_token(allow_headers, h))
        << h << " missing from Access-Control-Allow-Headers: " << allow_headers.value_or("(none)");
  }
  EXPECT_TRUE(preflight_grants_once(
      http().request("OPTIONS", events_path("c"), {}, preflight_of(o, "GET", "last-event-id")), o,
      "GET, POST, OPTIONS"));
  EXPECT_TRUE(preflight_grants_once(
      http().request("OPTIONS", stream_path("c"), {}, preflight_of(o, "DELETE")), o,
      "GET, PUT, DELETE, OPTIONS"));
}

TEST_F(cors_test, a_list_answers_the_requests_origin_and_refuses_others) {
  start({"--cors-origin", "https://a.example, https://b.example:8443"});
  for (const std::string o : {"https://a.example", "https://b.example:8443"}) {
    SCOPED_TRACE(o);
    const header_list from{{"Origin", o}};
    EXPECT_TRUE(grants_once(http().get("/healthz", from), o));
    EXPECT_TRUE(
        grants_once(http().post(events_path("l"), R"({"data":"x"})", "application/json", from), o));
    EXPECT_TRUE(preflight_grants_once(
        http().request("OPTIONS", events_path("l"), {}, preflight_of(o, "POST", "content-type")), o,
        "GET, POST, OPTIONS"));
  }
  for (const std::string o : {"https://c.example", "https://a.example:8443", "null"}) {
    SCOPED_TRACE(o);
    const auto plain = http().get("/healthz", {{"Origin", o}});
    EXPECT_EQ(plain.status, 200);
    EXPECT_TRUE(grants_nothing(plain));
    EXPECT_EQ(count(plain, "Vary"), 1u) << plain.describe();
    const auto pre =
        http().request("OPTIONS", events_path("l"), {}, preflight_of(o, "POST", "content-type"));
    EXPECT_TRUE(grants_nothing(pre));
  }
  const auto no_origin = http().get("/healthz");
  EXPECT_TRUE(grants_nothing(no_origin));
  EXPECT_EQ(no_origin.header("Vary"), "Origin") << "caches must keep answers apart by Origin";
}

TEST_F(cors_test, null_is_granted_only_when_listed) {
  start({"--cors-origin", "https://app.example,null"});
  EXPECT_TRUE(grants_once(http().get("/healthz", {{"Origin", "null"}}), "null"));
}

TEST_F(cors_test, wildcard_grants_any_origin_without_credentials) {
  start({"--cors-origin", "*"});
  for (const std::string o : {"https://anyone.example", "null"}) {
    SCOPED_TRACE(o);
    const auto r = http().get("/healthz", {{"Origin", o}});
    EXPECT_EQ(count(r, "Access-Control-Allow-Origin"), 1u) << r.describe();
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(count(r, "Access-Control-Allow-Credentials"), 0u) << r.describe();
    EXPECT_EQ(count(r, "Vary"), 0u) << r.describe();
    EXPECT_EQ(count(r, "Access-Control-Expose-Headers"), 1u) << r.describe();
    const auto pre =
        http().request("OPTIONS", events_path("w"), {}, preflight_of(o, "POST", "content-type"));
    EXPECT_EQ(pre.status, 204);
    EXPECT_EQ(count(pre, "Access-Control-Allow-Origin"), 1u) << pre.describe();
    EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(count(pre, "Access-Control-Allow-Credentials"), 0u) << pre.describe();
    EXPECT_EQ(count(pre, "Access-Control-Allow-Methods"), 1u) << pre.describe();
  }
}

TEST_F(cors_test, the_list_can_come_from_the_environment) {
  gateway_options opts;
  opts.env = {{"SSE_GATEWAY_CORS_ORIGIN", "https://a.example,https://b.example"}};
  gw_ = std::make_unique<gateway_process>(opts);
  http_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  EXPECT_TRUE(
      grants_once(http().get("/healthz", {{"Origin", "https://b.example"}}), "https://b.example"));
  EXPECT_TRUE(grants_nothing(http().get("/healthz", {{"Origin", "https://c.example"}})));
}

TEST_F(cors_test, preflights_grant_only_what_the_route_serves) {
  start({"--cors-origin", "https://app.example"});
  const std::string o = "https://app.example";
  // No such route: 404, no grant.
  for (const auto* path : {"/nope", "/v1/streams/x/nope", "/v1/relay/"}) {
    SCOPED_TRACE(path);
    const auto r = http().request("OPTIONS", path, {}, preflight_of(o, "POST", "content-type"));
    EXPECT_EQ(r.status, 404) << r.describe();
    EXPECT_TRUE(grants_nothing(r));
  }
  // Features that are off (no --relay-config, no --demo) answer their preflights 404 too.
  for (const auto* path : {"/v1/relay/chat", "/v1/streams/x/cancel", "/", "/demo/current"}) {
    SCOPED_TRACE(path);
    const auto r = http().request("OPTIONS", path, {}, preflight_of(o, "POST"));
    EXPECT_EQ(r.status, 404) << r.describe();
    EXPECT_TRUE(grants_nothing(r));
  }
  // A method the route does not serve is not granted: the grant names the route's methods, so
  // the browser refuses DELETE on /end and PUT on /healthz.
  EXPECT_TRUE(preflight_grants_once(
      http().request("OPTIONS", "/v1/streams/x/end", {}, preflight_of(o, "DELETE")), o,
      "POST, OPTIONS"));
  EXPECT_TRUE(preflight_grants_once(
      http().request("OPTIONS", "/healthz", {}, preflight_of(o, "PUT")), o, "GET, HEAD, OPTIONS"));
}

TEST_F(cors_test, options_asterisk_names_the_servers_methods) {
  start({"--cors-origin", "https://app.example"});
  const auto r = http().request("OPTIONS", "*");
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_EQ(count(r, "Allow"), 1u) << r.describe();
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  EXPECT_TRUE(grants_nothing(r));
  EXPECT_TRUE(is_api_error(http().request("GET", "*"), 400, "bad_request"));
}

TEST_F(cors_test, without_the_flag_no_cors_header_is_sent) {
  start();
  const auto health = http().get("/healthz", origin);
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(grants_nothing(health));
  EXPECT_EQ(count(health, "Vary"), 0u) << health.describe();
  const auto appended =
      http().post(events_path("c"), R"({"data":"x"})", "application/json", origin);
  EXPECT_EQ(appended.status, 200);
  EXPECT_TRUE(grants_nothing(appended));
  auto sub = subscribe("c", std::nullopt, {}, origin);
  EXPECT_EQ(sub->status(), 200);
  EXPECT_FALSE(sub->header("Access-Control-Allow-Origin"));
  const auto pre =
      http().request("OPTIONS", events_path("c"), {}, preflight_of("https://app.example", "GET"));
  EXPECT_EQ(pre.status, 204) << pre.describe();
  EXPECT_TRUE(grants_nothing(pre));
  EXPECT_EQ(pre.header("Allow"), "GET, POST, OPTIONS");
}

TEST_F(metrics_test, prometheus_counters_move_with_traffic) {
  start({"--buffer-limit", "2"});
  const auto before = scrape_metrics();
  EXPECT_EQ(metric_value(before, "sse_gateway_events_appended_total"), 0) << before;
  EXPECT_EQ(metric_value(before, "sse_gateway_events_trimmed_total"), 0);

  const auto epoch = *json_string(http().put(stream_path("m")).json_object(), "epoch");
  auto live = subscribe("m");
  append_batch("m", {{"a", "", 1}, {"b", "", 0}, {"c", "", 1}});  // trims seq 2
  ASSERT_EQ(live->collect(3, 5s).size(), 3u);
  auto resumed = subscribe("m", epoch + ":1");  // success: gap 2, event 3
  ASSERT_EQ(resumed->collect(2, 5s).size(), 2u);
  auto reset = subscribe("m", "zzzzzzz:1");  // another epoch: reset
  ASSERT_EQ(reset->collect(2, 5s).size(), 2u);

  std::string after;
  // Counters are bumped as events are written: allow the last writes to be counted.
  bounded_wait(
      [&] {
        after = scrape_metrics();
        return metric_value(after, "sse_gateway_events_delivered_total").value_or(0) >= 6;
      },
      5s, 50ms);
  const auto res = http().get("/metrics");
  EXPECT_EQ(res.header("Content-Type").value_or("").rfind("text/plain", 0), 0u) << res.describe();
  EXPECT_EQ(metric_value(after, "sse_gateway_events_appended_total"), 3) << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_events_trimmed_total"), 1) << after;
  EXPECT_GE(metric_value(after, "sse_gateway_events_delivered_total").value_or(0), 6) << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_streams_created_total"), 1) << after;
  EXPECT_GE(metric_value(after, "sse_gateway_resumes_total{outcome=\"success\"}").value_or(0), 1)
      << after;
  EXPECT_GE(metric_value(after, "sse_gateway_resumes_total{outcome=\"reset\"}").value_or(0), 1)
      << after;
  EXPECT_GE(metric_value(after, "sse_gateway_resume_latency_seconds_count").value_or(0), 1)
      << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_sse_connections_open"), 3) << after;
  EXPECT_GE(metric_value(after, "sse_gateway_connections_open").value_or(0), 4) << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_streams_active"), 1) << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_events_buffered"), 2) << after;
  EXPECT_EQ(metric_value(after, "sse_gateway_bytes_buffered"), 2 + 2 * 64)
      << "data, types and 64 per event: " << after;
  for (const auto* name : {"sse_gateway_events_appended_total", "sse_gateway_resumes_total",
                           "sse_gateway_resume_latency_seconds"}) {
    EXPECT_NE(after.find(std::string("# TYPE ") + name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace sse::test
