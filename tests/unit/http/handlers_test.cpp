#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "coro_runner.hpp"
#include "http/router.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"
#include "store/memory/memory_store.hpp"
#include "telemetry/memory_sink.hpp"
#include "telemetry/names.hpp"

namespace sse::http {
namespace {

namespace json = boost::json;
namespace names = telemetry::names;

class handlers : public ::testing::Test {
 protected:
  handlers() : store_(store::store_limits{}, clock_), svc_(cfg_, store_, sink_, metrics_, clock_) {}

  response call(method m, const std::string& target, std::string body = {},
                std::string content_type = "application/json",
                std::optional<std::string> producer_seq = std::nullopt) {
    request req;
    req.verb = m;
    req.target = target;
    req.body = std::move(body);
    req.content_type = std::move(content_type);
    req.producer_seq = std::move(producer_seq);
    route_match route = match_route(split_target(target).path);
    return ::sse::test::run_sync(ioc_, handle_request(svc_, route, req));
  }

  static json::object body_of(const response& r) { return json::parse(r.body).as_object(); }

  static std::optional<std::string> header(const response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) {
        return v;
      }
    }
    return std::nullopt;
  }

  config::config cfg_;
  core::manual_clock clock_;
  store::memory_store store_;
  telemetry::memory_sink sink_;
  telemetry::metrics metrics_;
  services svc_;
  boost::asio::io_context ioc_;
};

TEST_F(handlers, put_creates_then_reports_existing) {
  response r = call(method::put, "/v1/streams/s1");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto b = body_of(r);
  EXPECT_EQ(b.at("stream"), "s1");
  EXPECT_EQ(b.at("created"), true);
  const auto epoch = b.at("epoch").as_string();

  r = call(method::put, "/v1/streams/s1");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("created"), false);
  EXPECT_EQ(body_of(r).at("epoch"), epoch);
  EXPECT_EQ(sink_.count(names::stream_created), 1u);
  EXPECT_EQ(metrics_.streams_created_total.load(), 1u);
}

TEST_F(handlers, put_with_options_and_bad_bodies) {
  EXPECT_EQ(call(method::put, "/v1/streams/s1", R"({"buffer_limit":5,"ttl_seconds":10})").status,
            201u);
  auto info = body_of(call(method::get, "/v1/streams/s1"));
  EXPECT_EQ(info.at("buffer_limit").to_number<int>(), 5);
  EXPECT_LE(info.at("expires_in_seconds").to_number<int>(), 10);

  response r = call(method::put, "/v1/streams/s2", "{");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(body_of(r).at("error"), "invalid_json");
  r = call(method::put, "/v1/streams/s2", R"({"buffer_limit":-1})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(body_of(r).at("error"), "invalid_argument");
}

TEST_F(handlers, invalid_stream_id_is_400) {
  const std::string long_id(129, 'a');
  for (const std::string& target : std::vector<std::string>{
           "/v1/streams/bad%20id", "/v1/streams/" + long_id, "/v1/streams/", "/v1/streams/a%2Fb"}) {
    response r = call(method::put, target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(body_of(r).at("error"), "invalid_stream_id") << target;
  }
  EXPECT_EQ(call(method::put, "/v1/streams/" + std::string(128, 'a')).status, 201u);
}

// "relay:<route>" names a route's scope, never a stream; "relay.*" streams are written only by
// relay mode, and read like any other.
TEST_F(handlers, relay_namespaces_are_not_writable_through_the_api) {
  for (auto m : {method::put, method::delete_, method::get}) {
    response r = call(m, "/v1/streams/relay:chat");
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(body_of(r).at("error"), "invalid_stream_id");
  }
  EXPECT_EQ(call(method::post, "/v1/streams/relay:chat/events", R"({"data":"x"})").status, 400u);
  EXPECT_FALSE(store_.stats().streams > 0) << "nothing was created";

  ASSERT_TRUE(::sse::test::run_sync(ioc_, store_.create("relay.chat.k", {})));
  for (auto [m, target] : std::vector<std::pair<method, std::string>>{
           {method::put, "/v1/streams/relay.chat.k"},
           {method::delete_, "/v1/streams/relay.chat.k"},
           {method::post, "/v1/streams/relay.chat.k/events"},
           {method::post, "/v1/streams/relay.chat.k/end"},
           {method::put, "/v1/streams/relay.other.new"}}) {
    response r = call(m, target, R"({"data":"x"})");
    EXPECT_EQ(r.status, 403u) << target << " " << r.body;
    EXPECT_EQ(body_of(r).at("error"), "relay_stream_read_only") << target;
  }
  EXPECT_EQ(call(method::get, "/v1/streams/relay.chat.k").status, 200u);
  EXPECT_FALSE(::sse::test::run_sync(ioc_, store_.info("relay.other.new")));
  EXPECT_EQ(call(method::options, "/v1/streams/relay.chat.k/events").status, 204u);
}

TEST_F(handlers, append_json_and_ndjson) {
  response r = call(method::post, "/v1/streams/s1/events", R"({"data":"a"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto b = body_of(r);
  EXPECT_EQ(b.at("first_seq").to_number<int>(), 1);
  EXPECT_EQ(b.at("last_seq").to_number<int>(), 1);
  EXPECT_EQ(b.at("trimmed").to_number<int>(), 0);
  EXPECT_EQ(sink_.count(names::stream_created), 1u);  // the append created it

  r = call(method::post, "/v1/streams/s1/events", "{\"data\":\"b\"}\n{\"data\":\"c\"}\n",
           "application/x-ndjson");
  ASSERT_EQ(r.status, 200u) << r.body;
  b = body_of(r);
  EXPECT_EQ(b.at("first_seq").to_number<int>(), 2);
  EXPECT_EQ(b.at("last_seq").to_number<int>(), 3);
  EXPECT_EQ(b.at("epoch"), body_of(call(method::get, "/v1/streams/s1")).at("epoch"));
  EXPECT_EQ(metrics_.events_appended_total.load(), 3u);
}

TEST_F(handlers, bad_batch_appends_nothing) {
  call(method::post, "/v1/streams/s1/events", R"({"data":"a"})");
  response r = call(method::post, "/v1/streams/s1/events",
                    "{\"data\":\"b\"}\n{\"data\":\"c\",\"priority\":7}\n", "application/x-ndjson");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(body_of(r).at("error"), "invalid_event");
  EXPECT_EQ(body_of(call(method::get, "/v1/streams/s1")).at("last_seq").to_number<int>(), 1);
}

TEST_F(handlers, append_errors) {
  response r = call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "text/plain");
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(body_of(r).at("error"), "unsupported_media_type");
  r = call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "");
  EXPECT_EQ(r.status, 415u);
  r = call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "application/json", "x");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(body_of(r).at("error"), "invalid_argument");
  r = call(method::post, "/v1/streams/s1/events",
           R"({"data":")" + std::string(300000, 'x') + R"("})");
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(body_of(r).at("error"), "too_large");
  // None of these created the stream.
  EXPECT_EQ(call(method::get, "/v1/streams/s1").status, 404u);
}

TEST_F(handlers, trimming_is_reported_per_evicted_event) {
  ASSERT_EQ(call(method::put, "/v1/streams/s1", R"({"buffer_limit":2})").status, 201u);
  call(method::post, "/v1/streams/s1/events", R"({"data":"keep","priority":3})");
  call(method::post, "/v1/streams/s1/events", R"({"data":"low","priority":0})");
  response r = call(method::post, "/v1/streams/s1/events", R"({"data":"new"})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("trimmed").to_number<int>(), 1);
  auto ev = sink_.wait_for(names::buffer_trimmed, {}, std::chrono::milliseconds(0));
  ASSERT_TRUE(ev) << sink_.dump();
  EXPECT_EQ(ev->stream, "s1");
  EXPECT_TRUE(telemetry::field_is(*ev, "seq", 2));
  EXPECT_TRUE(telemetry::field_is(*ev, "priority", 0));
  EXPECT_TRUE(
      telemetry::field_is(*ev, "size_bytes", static_cast<int>(3 + stream::event_overhead_bytes)));
  EXPECT_TRUE(telemetry::field_is(*ev, "reason", "buffer_limit"));
  EXPECT_EQ(metrics_.events_trimmed_total.load(), 1u);
}

TEST_F(handlers, producer_seq_makes_retries_idempotent) {
  response first =
      call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "application/json", "1");
  ASSERT_EQ(first.status, 200u) << first.body;
  response retry =
      call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "application/json", "1");
  ASSERT_EQ(retry.status, 200u);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(metrics_.events_appended_total.load(), 1u);
  response conflict =
      call(method::post, "/v1/streams/s1/events", R"({"data":"a"})", "application/json", "5");
  EXPECT_EQ(conflict.status, 409u);
  EXPECT_EQ(body_of(conflict).at("error"), "producer_seq_conflict");
}

TEST_F(handlers, end_is_idempotent_and_closes_the_stream) {
  EXPECT_EQ(call(method::post, "/v1/streams/nope/end").status, 404u);
  call(method::post, "/v1/streams/s1/events", R"({"data":"a"})");
  response r = call(method::post, "/v1/streams/s1/end", R"({"status":"cancelled"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(body_of(r).at("last_seq").to_number<int>(), 2);
  response again = call(method::post, "/v1/streams/s1/end");
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(again.body, r.body);
  EXPECT_EQ(sink_.count(names::stream_ended), 1u);
  auto ended = sink_.wait_for(names::stream_ended, {}, std::chrono::milliseconds(0));
  ASSERT_TRUE(ended);
  EXPECT_TRUE(telemetry::field_is(*ended, "status", "cancelled"));
  EXPECT_TRUE(telemetry::field_is(*ended, "last_seq", 2));

  response late = call(method::post, "/v1/streams/s1/events", R"({"data":"b"})");
  EXPECT_EQ(late.status, 409u);
  EXPECT_EQ(body_of(late).at("error"), "stream_ended");
  EXPECT_EQ(body_of(call(method::get, "/v1/streams/s1")).at("status"), "cancelled");
  EXPECT_EQ(call(method::post, "/v1/streams/s1/end", R"({"status":"bogus"})").status, 400u);
}

TEST_F(handlers, info_and_delete) {
  call(method::post, "/v1/streams/s1/events", R"({"data":"abc","event":"t"})");
  response r = call(method::get, "/v1/streams/s1");
  ASSERT_EQ(r.status, 200u);
  auto b = body_of(r);
  for (const char* key :
       {"stream", "epoch", "status", "last_seq", "first_seq", "buffered_count", "buffered_bytes",
        "trimmed_count", "buffer_limit", "buffer_max_bytes", "created_at", "created_at_ms",
        "updated_at", "updated_at_ms", "expires_in_seconds"}) {
    EXPECT_TRUE(b.contains(key)) << key;
  }
  EXPECT_EQ(b.at("status"), "open");
  EXPECT_EQ(b.at("buffered_count").to_number<int>(), 1);
  EXPECT_EQ(b.at("buffered_bytes").to_number<std::size_t>(), 4 + stream::event_overhead_bytes);

  r = call(method::delete_, "/v1/streams/s1");
  EXPECT_EQ(r.status, 204u);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(call(method::get, "/v1/streams/s1").status, 404u);
  r = call(method::delete_, "/v1/streams/s1");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(body_of(r).at("error"), "stream_not_found");
}

TEST_F(handlers, methods_paths_and_preflight) {
  response r = call(method::post, "/v1/streams/s1");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(body_of(r).at("error"), "method_not_allowed");
  EXPECT_EQ(header(r, "Allow"), "GET, PUT, DELETE, OPTIONS");
  r = call(method::other, "/healthz");
  EXPECT_EQ(r.status, 405u);
  r = call(method::get, "/nope");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(body_of(r).at("error"), "not_found");
  // OPTIONS answers the route's methods in Allow and nothing else: CORS headers are added once,
  // by the session (see cors_test), so a preflight cannot carry them twice.
  r = call(method::options, "/v1/streams/s1/events");
  EXPECT_EQ(r.status, 204u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(header(r, "Allow"), "GET, POST, OPTIONS");
  cfg_.cors_origin.any = true;
  r = call(method::options, "/v1/streams/s1/end");
  EXPECT_EQ(r.status, 204u);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(header(r, "Allow"), "POST, OPTIONS");
  // Routes of features that are off: 404, as their other methods.
  for (const char* path : {"/", "/demo/current", "/v1/relay/chat", "/v1/streams/s1/cancel"}) {
    EXPECT_EQ(call(method::options, path).status, 404u) << path;
  }
  EXPECT_EQ(call(method::options, "/nope").status, 404u);
  // OPTIONS * (asterisk-form): the server's methods.
  r = call(method::options, "*");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  r = call(method::get, "*");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(body_of(r).at("error"), "bad_request");
}

TEST_F(handlers, health_ready_metrics) {
  response r = call(method::get, "/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("status"), "ok");
  EXPECT_EQ(call(method::get, "/readyz").status, 200u);
  call(method::post, "/v1/streams/s1/events", R"({"data":"abc"})");
  r = call(method::get, "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("sse_gateway_events_appended_total 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("sse_gateway_streams_active 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nsse_gateway_ready 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nsse_gateway_store_available 1\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("sse_gateway_redis_probes_total"), std::string::npos) << r.body;
  svc_.draining = true;
  r = call(method::get, "/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(body_of(r).at("status"), "not_ready");
  // Draining: not ready, though the store is still there (as /readyz says).
  r = call(method::get, "/metrics");
  EXPECT_NE(r.body.find("\nsse_gateway_ready 0\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nsse_gateway_store_available 1\n"), std::string::npos) << r.body;
}

TEST_F(handlers, demo_routes_only_with_demo) {
  EXPECT_EQ(call(method::get, "/").status, 404u);
  EXPECT_EQ(call(method::get, "/demo/current").status, 404u);
  svc_.demo_current = [] { return std::optional<std::string>("demo-3"); };
  response r = call(method::get, "/");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("EventSource"), std::string::npos);
  r = call(method::get, "/demo/current");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("stream"), "demo-3");
}

}  // namespace
}  // namespace sse::http
