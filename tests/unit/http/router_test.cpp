#include "http/router.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sse::http {
namespace {

TEST(match_route, fixed_paths) {
  EXPECT_EQ(match_route("/").kind, route_kind::root);
  EXPECT_EQ(match_route("/healthz").kind, route_kind::healthz);
  EXPECT_EQ(match_route("/readyz").kind, route_kind::readyz);
  EXPECT_EQ(match_route("/metrics").kind, route_kind::metrics);
  EXPECT_EQ(match_route("/demo/current").kind, route_kind::demo_current);
}

TEST(match_route, asterisk_form_is_the_server_itself) {
  EXPECT_EQ(match_route("*").kind, route_kind::server);
  EXPECT_TRUE(method_allowed(route_kind::server, method::options));
  EXPECT_FALSE(method_allowed(route_kind::server, method::get));
  EXPECT_EQ(allowed_methods(route_kind::server), "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(match_route("/*").kind, route_kind::not_found);
}

TEST(match_route, stream_paths) {
  auto r = match_route("/v1/streams/chat:42.a-b_c");
  EXPECT_EQ(r.kind, route_kind::stream);
  EXPECT_EQ(r.stream_id, "chat:42.a-b_c");

  r = match_route("/v1/streams/abc/events");
  EXPECT_EQ(r.kind, route_kind::stream_events);
  EXPECT_EQ(r.stream_id, "abc");

  r = match_route("/v1/streams/abc/end");
  EXPECT_EQ(r.kind, route_kind::stream_end);
  EXPECT_EQ(r.stream_id, "abc");
}

TEST(match_route, relay_paths) {
  auto r = match_route("/v1/relay/chat");
  EXPECT_EQ(r.kind, route_kind::relay);
  EXPECT_EQ(r.stream_id, "chat");  // the route name
  r = match_route("/v1/streams/abc/cancel");
  EXPECT_EQ(r.kind, route_kind::stream_cancel);
  EXPECT_EQ(r.stream_id, "abc");
  EXPECT_EQ(match_route("/v1/relay/").kind, route_kind::not_found);
  EXPECT_EQ(match_route("/v1/relay/a/b").kind, route_kind::not_found);
  EXPECT_TRUE(method_allowed(route_kind::relay, method::post));
  EXPECT_FALSE(method_allowed(route_kind::relay, method::get));
  EXPECT_TRUE(method_allowed(route_kind::stream_cancel, method::post));
  EXPECT_FALSE(method_allowed(route_kind::stream_cancel, method::delete_));
  EXPECT_EQ(allowed_methods(route_kind::relay), "POST, OPTIONS");
}

TEST(match_route, stream_id_is_percent_decoded_not_validated) {
  auto r = match_route("/v1/streams/a%3Ab");
  EXPECT_EQ(r.kind, route_kind::stream);
  EXPECT_EQ(r.stream_id, "a:b");
  r = match_route("/v1/streams/bad%20id");
  EXPECT_EQ(r.kind, route_kind::stream);
  EXPECT_EQ(r.stream_id, "bad id");
  r = match_route("/v1/streams/");
  EXPECT_EQ(r.kind, route_kind::stream);
  EXPECT_EQ(r.stream_id, "");
}

TEST(match_route, unknown_paths) {
  EXPECT_EQ(match_route("/v1/streams").kind, route_kind::not_found);
  EXPECT_EQ(match_route("/v1/streams/a/other").kind, route_kind::not_found);
  EXPECT_EQ(match_route("/v1/streams/a/events/").kind, route_kind::not_found);
  EXPECT_EQ(match_route("/healthz/").kind, route_kind::not_found);
  EXPECT_EQ(match_route("/v2/streams/a").kind, route_kind::not_found);
  EXPECT_EQ(match_route("").kind, route_kind::not_found);
}

TEST(method_allowed, per_route) {
  EXPECT_TRUE(method_allowed(route_kind::stream, method::put));
  EXPECT_TRUE(method_allowed(route_kind::stream, method::get));
  EXPECT_TRUE(method_allowed(route_kind::stream, method::delete_));
  EXPECT_FALSE(method_allowed(route_kind::stream, method::post));
  EXPECT_TRUE(method_allowed(route_kind::stream_events, method::post));
  EXPECT_TRUE(method_allowed(route_kind::stream_events, method::get));
  EXPECT_FALSE(method_allowed(route_kind::stream_events, method::delete_));
  EXPECT_TRUE(method_allowed(route_kind::stream_end, method::post));
  EXPECT_FALSE(method_allowed(route_kind::stream_end, method::get));
  EXPECT_FALSE(method_allowed(route_kind::healthz, method::post));
  EXPECT_FALSE(method_allowed(route_kind::stream, method::head));
  // HEAD on the probe paths only (answered like GET without the body).
  EXPECT_TRUE(method_allowed(route_kind::healthz, method::head));
  EXPECT_TRUE(method_allowed(route_kind::readyz, method::head));
  EXPECT_TRUE(method_allowed(route_kind::metrics, method::head));
  EXPECT_FALSE(method_allowed(route_kind::root, method::head));
  EXPECT_FALSE(method_allowed(route_kind::stream, method::other));
  // Preflight is answered everywhere a route exists.
  EXPECT_TRUE(method_allowed(route_kind::stream_end, method::options));
}

TEST(allowed_methods, allow_header_values) {
  EXPECT_EQ(allowed_methods(route_kind::stream), "GET, PUT, DELETE, OPTIONS");
  EXPECT_EQ(allowed_methods(route_kind::stream_events), "GET, POST, OPTIONS");
  EXPECT_EQ(allowed_methods(route_kind::stream_end), "POST, OPTIONS");
  EXPECT_EQ(allowed_methods(route_kind::metrics), "GET, HEAD, OPTIONS");
  EXPECT_EQ(allowed_methods(route_kind::demo_current), "GET, OPTIONS");
}

TEST(parse_method, tokens_are_case_sensitive) {
  EXPECT_EQ(parse_method("GET"), method::get);
  EXPECT_EQ(parse_method("POST"), method::post);
  EXPECT_EQ(parse_method("PUT"), method::put);
  EXPECT_EQ(parse_method("DELETE"), method::delete_);
  EXPECT_EQ(parse_method("OPTIONS"), method::options);
  EXPECT_EQ(parse_method("HEAD"), method::head);
  EXPECT_EQ(parse_method("get"), method::other);
  EXPECT_EQ(parse_method("PATCH"), method::other);
}

request request_for(method verb, std::string target, std::optional<std::string> accept = {}) {
  request r;
  r.verb = verb;
  r.target = std::move(target);
  r.accept = std::move(accept);
  return r;
}

TEST(route_request, every_plain_request_is_answered_by_a_handler) {
  for (const auto& [verb, target] : std::vector<std::pair<method, std::string>>{
           {method::get, "/healthz"},
           {method::head, "/metrics"},
           {method::get, "/v1/streams/a"},
           {method::post, "/v1/streams/a/events"},
           {method::options, "/v1/streams/a/events"},
           {method::head, "/v1/streams/a/events"},
           {method::post, "/v1/streams/a/end"},
           {method::post, "/v1/relay/chat"},
           {method::get, "/nowhere"},
       }) {
    const auto r = route_request(request_for(verb, target), true);
    EXPECT_EQ(r.kind, request_kind::answer) << target;
  }
}

TEST(route_request, a_get_of_events_is_a_subscribe_with_its_route) {
  const auto r = route_request(request_for(method::get, "/v1/streams/ch%3A1/events?x=1"), false);
  EXPECT_EQ(r.kind, request_kind::subscribe);
  EXPECT_EQ(r.route.kind, route_kind::stream_events);
  EXPECT_EQ(r.route.stream_id, "ch:1");  // decoded; the query is not part of the route
}

TEST(route_request, a_relay_post_accepting_sse_is_a_relay_stream_in_relay_mode_only) {
  const auto sse =
      request_for(method::post, "/v1/relay/chat", "application/json, TEXT/Event-Stream");
  auto r = route_request(sse, true);
  EXPECT_EQ(r.kind, request_kind::relay_stream);
  EXPECT_EQ(r.route.kind, route_kind::relay);
  EXPECT_EQ(r.route.stream_id, "chat");
  // Without relay mode the handler answers it (404 unknown route or the like), not a stream.
  EXPECT_EQ(route_request(sse, false).kind, request_kind::answer);
  // Another Accept, or none, is the 201 JSON answer.
  EXPECT_EQ(
      route_request(request_for(method::post, "/v1/relay/chat", "application/json"), true).kind,
      request_kind::answer);
  EXPECT_EQ(route_request(request_for(method::post, "/v1/relay/chat"), true).kind,
            request_kind::answer);
  // Only a POST starts a call.
  EXPECT_EQ(
      route_request(request_for(method::get, "/v1/relay/chat", "text/event-stream"), true).kind,
      request_kind::answer);
}

}  // namespace
}  // namespace sse::http
