// CORS headers and preflight with and without --cors-origin; Prometheus /metrics whose
// counters move with traffic.
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

TEST_F(cors_test, configured_origin_is_sent_on_answers_and_preflight) {
  start({"--cors-origin", "https://app.example"});
  const auto health = http().get("/healthz", origin);
  EXPECT_EQ(health.header("Access-Control-Allow-Origin"), "https://app.example")
      << health.describe();

  const auto appended =
      http().post(events_path("c"), R"({"data":"x"})", "application/json", origin);
  ASSERT_EQ(appended.status, 200);
  EXPECT_EQ(appended.header("Access-Control-Allow-Origin"), "https://app.example")
      << appended.describe();

  const auto missing = http().get(stream_path("missing"), origin);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Access-Control-Allow-Origin"), "https://app.example")
      << "browsers can only read errors that carry the header:\n"
      << missing.describe();

  auto sub = subscribe("c", std::nullopt, {}, origin);
  ASSERT_EQ(sub->status(), 200);
  EXPECT_EQ(sub->header("Access-Control-Allow-Origin"), "https://app.example");
  ASSERT_TRUE(sub->next_event(5s));

  header_list preflight = origin;
  preflight.emplace_back("Access-Control-Request-Method", "GET");
  preflight.emplace_back("Access-Control-Request-Headers", "last-event-id");
  const auto pre = http().request("OPTIONS", events_path("c"), {}, preflight);
  EXPECT_TRUE(pre.status == 204 || pre.status == 200) << pre.describe();
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "https://app.example") << pre.describe();
  const auto allow_headers = pre.header("Access-Control-Allow-Headers");
  for (const auto* h : {"last-event-id", "content-type", "producer-seq", "authorization"}) {
    EXPECT_TRUE(has_token(allow_headers, h))
        << h << " missing from Access-Control-Allow-Headers: " << allow_headers.value_or("(none)");
  }
  const auto methods = pre.header("Access-Control-Allow-Methods");
  for (const auto* m : {"get", "post"}) {
    EXPECT_TRUE(has_token(methods, m))
        << m << " missing from Access-Control-Allow-Methods: " << methods.value_or("(none)");
  }

  header_list post_preflight = origin;
  post_preflight.emplace_back("Access-Control-Request-Method", "POST");
  post_preflight.emplace_back("Access-Control-Request-Headers", "content-type,producer-seq");
  const auto pre_post = http().request("OPTIONS", events_path("c"), {}, post_preflight);
  EXPECT_TRUE(pre_post.status == 204 || pre_post.status == 200) << pre_post.describe();
  EXPECT_EQ(pre_post.header("Access-Control-Allow-Origin"), "https://app.example");
}

TEST_F(cors_test, without_the_flag_no_cors_header_is_sent) {
  start();
  const auto health = http().get("/healthz", origin);
  EXPECT_EQ(health.status, 200);
  EXPECT_FALSE(health.has_header("Access-Control-Allow-Origin")) << health.describe();
  const auto appended =
      http().post(events_path("c"), R"({"data":"x"})", "application/json", origin);
  EXPECT_EQ(appended.status, 200);
  EXPECT_FALSE(appended.has_header("Access-Control-Allow-Origin")) << appended.describe();
  auto sub = subscribe("c", std::nullopt, {}, origin);
  EXPECT_EQ(sub->status(), 200);
  EXPECT_FALSE(sub->header("Access-Control-Allow-Origin"));
  header_list preflight = origin;
  preflight.emplace_back("Access-Control-Request-Method", "GET");
  const auto pre = http().request("OPTIONS", events_path("c"), {}, preflight);
  EXPECT_FALSE(pre.has_header("Access-Control-Allow-Origin")) << pre.describe();
  EXPECT_EQ(http().get("/healthz").status, 200);
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
  EXPECT_EQ(metric_value(after, "sse_gateway_bytes_buffered"), 2) << after;
  for (const auto* name : {"sse_gateway_events_appended_total", "sse_gateway_resumes_total",
                           "sse_gateway_resume_latency_seconds"}) {
    EXPECT_NE(after.find(std::string("# TYPE ") + name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace sse::test
