#include "http/router.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sse::http
