#include "http/request_body.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sse::http {
namespace {

constexpr std::size_t max_event = 16;

api_result<stream::new_event> event_from(std::string_view json) {
  return parse_event_object(boost::json::parse(json), max_event);
}

TEST(event_body_format, media_types) {
  EXPECT_EQ(event_body_format("application/json"), body_format::json);
  EXPECT_EQ(event_body_format("Application/JSON; charset=utf-8"), body_format::json);
  EXPECT_EQ(event_body_format("application/x-ndjson"), body_format::ndjson);
  EXPECT_EQ(event_body_format(" application/ndjson ;x=y"), body_format::ndjson);
  EXPECT_FALSE(event_body_format("text/plain"));
  EXPECT_FALSE(event_body_format(""));
  EXPECT_FALSE(event_body_format("application/jsonx"));
}

TEST(parse_event_object, full_event) {
  auto e = event_from(R"({"data":"a\nb","event":"delta","priority":3})");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->data, "a\nb");
  EXPECT_EQ(e->type, "delta");
  EXPECT_EQ(e->priority, 3);
}

TEST(parse_event_object, defaults) {
  auto e = event_from(R"({"data":""})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "");
  EXPECT_EQ(e->type, "");
  EXPECT_EQ(e->priority, default_priority);
}

TEST(parse_event_object, invalid_shapes) {
  for (const char* bad :
       {R"([])", R"("x")", R"({})", R"({"data":1})", R"({"data":null})",
        R"({"data":"x","event":5})", R"({"data":"x","event":""})", R"({"data":"x","event":"a b"})",
        R"({"data":"x","event":"a\nb"})", R"({"data":"x","priority":4})",
        R"({"data":"x","priority":-1})", R"({"data":"x","priority":1.0})",
        R"({"data":"x","priority":"1"})", R"({"data":"x","event":"end"})",
        R"({"data":"x","event":"gap"})", R"({"data":"x","event":"reset"})"}) {
    auto e = event_from(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().status, 400u) << bad;
    EXPECT_EQ(e.error().code, "invalid_event") << bad;
  }
}

// Strict: a member the API does not know is refused, named, with a hint where one helps.
TEST(parse_event_object, unknown_members_are_refused_naming_the_field) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"data":"x","extra":1})", "unknown field \"extra\" in an event"},
      {R"({"data":"x","id":"5"})", "Producer-Seq"},
      {R"({"data":"x","type":"t"})", "did you mean \"event\"?"},
      {R"({"data":"x","evnt":"t"})", "did you mean \"event\"?"},
      {R"({"data":"x","priority":"3"})",
       "\"priority\" must be an integer from 0 to 3, not a string"},
      {R"({"data":5})", "\"data\" must be a string, not an integer"},
  };
  for (const auto& [body, part] : cases) {
    auto e = event_from(body);
    ASSERT_FALSE(e) << body;
    EXPECT_EQ(e.error().code, "invalid_event") << body;
    EXPECT_NE(e.error().message.find(part), std::string::npos) << body << ": " << e.error().message;
  }
  // null still means absent for the optional members.
  EXPECT_TRUE(event_from(R"({"data":"x","event":null,"priority":null})"));
}

TEST(parse_event_object, the_gateways_own_event_types_are_reserved_and_named) {
  // `auth_expired` is what the gateway sends when a subscriber's token expires; `error` was,
  // before `auth_expired`, and a producer's `error` would look like EventSource's own error event.
  for (std::string type : {"end", "gap", "reset", "error", "auth_expired"}) {
    auto e = event_from(R"({"data":"x","event":")" + type + R"("})");
    ASSERT_FALSE(e) << type;
    EXPECT_EQ(e.error().status, 400u) << type;
    EXPECT_EQ(e.error().code, "invalid_event") << type;
    EXPECT_NE(e.error().message.find("\"" + type + "\" is reserved"), std::string::npos)
        << e.error().message;
  }
  EXPECT_TRUE(event_from(R"({"data":"x","event":"errors"})"));
  EXPECT_TRUE(event_from(R"({"data":"x","event":"auth_expired_soon"})"));
}

TEST(parse_event_object, type_of_64_chars_ok_65_not) {
  const std::string t64(64, 'a');
  EXPECT_TRUE(event_from(R"({"data":"x","event":")" + t64 + R"("})"));
  EXPECT_FALSE(event_from(R"({"data":"x","event":")" + t64 + R"(a"})"));
}

TEST(parse_event_object, data_over_limit_is_413) {
  EXPECT_TRUE(event_from(R"({"data":"0123456789abcdef"})"));
  auto e = event_from(R"({"data":"0123456789abcdefg"})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().status, 413u);
  EXPECT_EQ(e.error().code, "too_large");
}

TEST(parse_event_body, json_single_event) {
  auto r = parse_event_body(R"({"data":"x"})", body_format::json, max_event);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].data, "x");
}

TEST(parse_event_body, json_malformed) {
  for (const char* bad : {"", "{", R"({"data":"x"} {"data":"y"})", "nul"}) {
    auto r = parse_event_body(bad, body_format::json, max_event);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "invalid_json") << bad;
    EXPECT_EQ(r.error().status, 400u);
  }
}

TEST(parse_event_body, ndjson_lines_in_order_blank_lines_ignored) {
  auto r = parse_event_body(
      "{\"data\":\"a\"}\n\n  \r\n{\"data\":\"b\",\"priority\":0}\r\n"
      "{\"data\":\"c\"}",
      body_format::ndjson, max_event);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].data, "a");
  EXPECT_EQ((*r)[1].data, "b");
  EXPECT_EQ((*r)[1].priority, 0);
  EXPECT_EQ((*r)[2].data, "c");
}

TEST(parse_event_body, ndjson_bad_line_rejects_batch_with_line_number) {
  auto r = parse_event_body("{\"data\":\"a\"}\n\n{\"data\":\"b\"\n{\"data\":\"c\"}\n",
                            body_format::ndjson, max_event);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_json");
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;

  r = parse_event_body("{\"data\":\"a\"}\n{\"data\":\"b\",\"priority\":9}\n", body_format::ndjson,
                       max_event);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_event");
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
}

TEST(parse_event_body, ndjson_empty_batch) {
  for (const char* empty : {"", "\n", " \r\n\n"}) {
    auto r = parse_event_body(empty, body_format::ndjson, max_event);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "invalid_event");
  }
}

TEST(parse_event_body, batch_over_max_events_is_too_large_naming_the_limit) {
  std::string body;
  for (int i = 0; i < 4; ++i) {
    body += "{\"data\":\"\"}\n";
  }
  auto ok = parse_event_body(body, body_format::ndjson, max_event, 4);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->size(), 4u);
  body += "{\"data\":\"\"}\n";
  auto over = parse_event_body(body, body_format::ndjson, max_event, 4);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().status, 413u);
  EXPECT_EQ(over.error().code, "too_large");
  EXPECT_NE(over.error().message.find("--max-batch-events"), std::string::npos)
      << over.error().message;
}

TEST(parse_event_body, empty_events_are_not_free_against_the_batch_bytes) {
  // Four empty events count 4 * event_overhead_bytes although their data is empty.
  std::string body;
  for (int i = 0; i < 4; ++i) {
    body += "{\"data\":\"\"}\n";
  }
  const std::size_t four = 4 * stream::event_overhead_bytes;
  EXPECT_TRUE(parse_event_body(body, body_format::ndjson, max_event, 100, four));
  auto over = parse_event_body(body, body_format::ndjson, max_event, 100, four - 1);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().status, 413u);
  EXPECT_NE(over.error().message.find("--max-body-bytes"), std::string::npos)
      << over.error().message;
  EXPECT_EQ(stream::event_size_bytes(0, 0), stream::event_overhead_bytes);
  EXPECT_EQ(stream::event_size_bytes(5, 3), 8 + stream::event_overhead_bytes);
}

TEST(parse_producer_seq, values) {
  EXPECT_EQ(*parse_producer_seq(std::nullopt), std::nullopt);
  EXPECT_EQ(*parse_producer_seq(std::string("17")), std::optional<seq_t>(17));
  EXPECT_EQ(*parse_producer_seq(std::string(" 5 ")), std::optional<seq_t>(5));
  for (const char* bad : {"", "0", "-1", "abc", "1.5", "99999999999999999999999", "1 2"}) {
    auto r = parse_producer_seq(std::string(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "invalid_argument");
    EXPECT_EQ(r.error().status, 400u);
  }
}

TEST(parse_create_body, empty_and_fields) {
  auto r = parse_create_body("");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->buffer_limit);
  EXPECT_FALSE(r->ttl);
  r = parse_create_body(R"({"buffer_limit":10,"ttl_seconds":60})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->buffer_limit, std::optional<std::size_t>(10));
  EXPECT_EQ(r->ttl, std::optional<std::chrono::milliseconds>(std::chrono::seconds(60)));
}

TEST(parse_create_body, errors) {
  EXPECT_EQ(parse_create_body("{").error().code, "invalid_json");
  EXPECT_EQ(parse_create_body("[1]").error().code, "invalid_json");
  for (const char* bad :
       {R"({"buffer_limit":0})", R"({"buffer_limit":"5"})", R"({"buffer_limit":1.5})",
        R"({"ttl_seconds":-3})", R"({"ttl_seconds":99999999999999})"}) {
    EXPECT_EQ(parse_create_body(bad).error().code, "invalid_argument") << bad;
  }
}

TEST(parse_create_body, unknown_and_mistyped_fields_name_the_field_and_the_spelling) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"ttl":"1h"})",
       "unknown field \"ttl\" in the stream options (did you mean \"ttl_seconds\"?"},
      {R"({"buffer_limt":5})",
       "unknown field \"buffer_limt\" in the stream options (did you mean \"buffer_limit\"?)"},
      {R"({"x":1})", "known fields: \"buffer_limit\", \"ttl_seconds\""},
      {R"({"ttl_seconds":"1h"})",
       "\"ttl_seconds\" must be an integer number of seconds >= 1, not a string"},
      {R"({"buffer_limit":true})", "\"buffer_limit\" must be an integer >= 1, not a boolean"},
      {R"({"buffer_limit":0})", "\"buffer_limit\" must be an integer >= 1, not 0"},
  };
  for (const auto& [body, part] : cases) {
    auto r = parse_create_body(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, "invalid_argument") << body;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << body << ": " << r.error().message;
  }
  // A long unknown name comes back cut.
  auto long_name = parse_create_body("{\"" + std::string(1000, 'k') + "\":1}");
  ASSERT_FALSE(long_name);
  EXPECT_LT(long_name.error().message.size(), 300u);
}

TEST(parse_create_body, values_over_the_server_caps_name_the_field_and_the_cap) {
  const stream_option_caps caps{100, std::chrono::hours(1)};
  auto at = parse_create_body(R"({"buffer_limit":100,"ttl_seconds":3600})", caps);
  ASSERT_TRUE(at) << at.error().message;
  EXPECT_EQ(at->buffer_limit, std::optional<std::size_t>(100));
  EXPECT_EQ(at->ttl, std::optional<std::chrono::milliseconds>(std::chrono::hours(1)));

  auto limit = parse_create_body(R"({"buffer_limit":1000000000000})", caps);
  ASSERT_FALSE(limit);
  EXPECT_EQ(limit.error().status, 400u);
  EXPECT_NE(limit.error().message.find("buffer_limit"), std::string::npos);
  EXPECT_NE(limit.error().message.find("100 (--max-buffer-limit)"), std::string::npos)
      << limit.error().message;

  // 235 years, past the nanosecond time_point (7.4e9 s), and the largest integer: all refused
  // before any conversion.
  for (const char* big :
       {R"({"ttl_seconds":3601})", R"({"ttl_seconds":7411111111})", R"({"ttl_seconds":7500000000})",
        R"({"ttl_seconds":9223372036854775807})"}) {
    auto ttl = parse_create_body(big, caps);
    ASSERT_FALSE(ttl) << big;
    EXPECT_EQ(ttl.error().status, 400u);
    EXPECT_NE(ttl.error().message.find("ttl_seconds"), std::string::npos);
    EXPECT_NE(ttl.error().message.find("3600 (--max-ttl)"), std::string::npos)
        << ttl.error().message;
  }
  // The default caps are the flags' defaults: 65536 events, 7 days.
  EXPECT_TRUE(parse_create_body(R"({"buffer_limit":65536,"ttl_seconds":604800})"));
  EXPECT_FALSE(parse_create_body(R"({"buffer_limit":65537})"));
  EXPECT_FALSE(parse_create_body(R"({"ttl_seconds":604801})"));
}

TEST(parse_end_body, statuses) {
  EXPECT_EQ(*parse_end_body(""), store::stream_status::completed);
  EXPECT_EQ(*parse_end_body("{}"), store::stream_status::completed);
  EXPECT_EQ(*parse_end_body(R"({"status":"failed"})"), store::stream_status::failed);
  EXPECT_EQ(*parse_end_body(R"({"status":"cancelled"})"), store::stream_status::cancelled);
  EXPECT_EQ(parse_end_body(R"({"status":"open"})").error().code, "invalid_argument");
  EXPECT_EQ(parse_end_body(R"({"status":3})").error().code, "invalid_argument");
  EXPECT_EQ(parse_end_body("x").error().code, "invalid_json");
  auto unknown = parse_end_body(R"({"status":"failed","reason":"x"})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "invalid_argument");
  EXPECT_NE(unknown.error().message.find("unknown field \"reason\""), std::string::npos);
}

}  // namespace
}  // namespace sse::http
