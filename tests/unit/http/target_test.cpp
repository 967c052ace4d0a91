#include "http/target.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"

namespace sse::http {
namespace {

TEST(split_target, path_only) {
  auto p = split_target("/v1/streams/a");
  EXPECT_EQ(p.path, "/v1/streams/a");
  EXPECT_EQ(p.query, "");
}

TEST(split_target, path_and_query_without_fragment) {
  auto p = split_target("/v1/streams/a/events?last_event_id=3&x=1#frag");
  EXPECT_EQ(p.path, "/v1/streams/a/events");
  EXPECT_EQ(p.query, "last_event_id=3&x=1");
}

TEST(percent_decode, escapes_and_plus) {
  EXPECT_EQ(core::percent_decode("a%3Ab%2fc", false), "a:b/c");
  EXPECT_EQ(core::percent_decode("a+b", false), "a+b");
  EXPECT_EQ(core::percent_decode("a+b", true), "a b");
}

TEST(percent_decode, rejects_bad_escapes) {
  EXPECT_FALSE(core::percent_decode("%", false));
  EXPECT_FALSE(core::percent_decode("%4", false));
  EXPECT_FALSE(core::percent_decode("%zz", false));
  EXPECT_FALSE(core::percent_decode("ab%4", false));
}

TEST(query_param, first_match_decoded) {
  EXPECT_EQ(query_param("a=1&last_event_id=ep1234%3A7&last_event_id=9", "last_event_id"),
            "ep1234:7");
  EXPECT_EQ(query_param("flag&b=2", "flag"), "");
  EXPECT_EQ(query_param("a=", "a"), "");
  EXPECT_FALSE(query_param("a=1", "b"));
  EXPECT_FALSE(query_param("", "a"));
}

TEST(query_param, bad_escape_returned_raw) {
  EXPECT_EQ(query_param("last_event_id=%zz", "last_event_id"), "%zz");
}

TEST(origin_form, absolute_form_is_routed_by_its_path) {
  EXPECT_EQ(origin_form("http://gw.example:8080/v1/streams/a/events?x=1"),
            "/v1/streams/a/events?x=1");
  EXPECT_EQ(origin_form("HTTPS://gw.example/healthz"), "/healthz");
  EXPECT_EQ(origin_form("http://gw.example"), "/");
  EXPECT_EQ(origin_form("http://gw.example?x=1"), "/?x=1");
}

TEST(origin_form, other_forms_are_kept) {
  EXPECT_EQ(origin_form("/v1/streams/a"), "/v1/streams/a");
  EXPECT_EQ(origin_form("*"), "*");
  EXPECT_EQ(origin_form("ftp://host/x"), "ftp://host/x");
  EXPECT_EQ(origin_form("http:/x"), "http:/x");
}

}  // namespace
}  // namespace sse::http
