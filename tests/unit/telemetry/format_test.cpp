#include "telemetry/format.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <regex>

#include "telemetry/names.hpp"

namespace sse::telemetry {
namespace {

TEST(format_rfc3339_ms, utc_with_milliseconds) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_rfc3339_ms(951'782'400'007), "2000-02-29T00:00:00.007Z");
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(now_unix_ms, is_after_2020) {
  EXPECT_GT(now_unix_ms(), 1'577'836'800'000LL);
}

TEST(to_json, envelope_then_fields) {
  event e;
  e.name = std::string(names::resume_success);
  e.stream = "chat.42";
  e.ts_ms = 1'700'000'000'123;
  e.fields["replayed"] = 12;
  e.fields["gap_seqs"] = 0;
  e.fields["latency_ms"] = 3.5;
  const auto o = to_json(e, "node-a");
  EXPECT_EQ(o.at("name").as_string(), "SseResumeSuccess");
  EXPECT_EQ(o.at("ts").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(o.at("ts_ms").as_int64(), 1'700'000'000'123);
  EXPECT_EQ(o.at("node").as_string(), "node-a");
  EXPECT_EQ(o.at("stream").as_string(), "chat.42");
  EXPECT_EQ(o.at("replayed").as_int64(), 12);
  EXPECT_EQ(o.at("gap_seqs").as_int64(), 0);
  EXPECT_EQ(o.at("latency_ms").as_double(), 3.5);
  EXPECT_EQ(o.size(), 8u);
  EXPECT_EQ(o.begin()->key(), "name");  // envelope first, for people reading the lines
}

TEST(to_json, omits_empty_stream_and_node) {
  event e;
  e.name = std::string(names::store_unavailable);
  e.ts_ms = 5;
  const auto o = to_json(e, "");
  EXPECT_FALSE(o.contains("stream"));
  EXPECT_FALSE(o.contains("node"));
  EXPECT_EQ(o.size(), 3u);
}

TEST(to_json, reserved_field_keys_are_kept_under_a_prefix) {
  event e;
  e.name = "X";
  e.stream = "s";
  e.ts_ms = 1;
  e.fields["name"] = "impostor";
  e.fields["node"] = "other";
  e.fields["reason"] = "trimmed";
  const auto o = to_json(e, "n");
  EXPECT_EQ(o.at("name").as_string(), "X");
  EXPECT_EQ(o.at("node").as_string(), "n");
  EXPECT_EQ(o.at("field_name").as_string(), "impostor");
  EXPECT_EQ(o.at("field_node").as_string(), "other");
  EXPECT_EQ(o.at("reason").as_string(), "trimmed");
}

TEST(to_json_line, one_parseable_line) {
  event e;
  e.name = "X";
  e.ts_ms = 1;
  e.fields["data"] = "line1\nline2";
  const std::string line = to_json_line(e, "n");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // embedded newlines are escaped
  const auto v = boost::json::parse(line);
  EXPECT_EQ(v.at("data").as_string(), "line1\nline2");
}

TEST(to_json_line, invalid_utf8_anywhere_is_written_as_replacement_characters) {
  event e;
  e.name = "X";
  e.ts_ms = 1;
  e.stream = "\xFF\xFE";  // a client's `%FF%FE`, decoded
  e.fields["data"] = boost::json::array{"ok \xC3\xA9", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82"};
  e.fields["k\x80"] = "v";
  const std::string line = to_json_line(e, "n");
  boost::json::parse_options strict;
  strict.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  const auto v = boost::json::parse(line, ec, {}, strict);
  ASSERT_FALSE(ec) << ec.message() << ": " << line;
  EXPECT_EQ(v.at("stream").as_string(), "\uFFFD\uFFFD");
  const auto& data = v.at("data").as_array();
  EXPECT_EQ(data.at(0).as_string(), "ok \u00E9");           // valid text is kept as it is
  EXPECT_EQ(data.at(1).as_string(), "\uFFFD\uFFFD");        // overlong '/'
  EXPECT_EQ(data.at(2).as_string(), "\uFFFD\uFFFD\uFFFD");  // a surrogate
  EXPECT_EQ(data.at(3).as_string(), "\uFFFD\uFFFD");        // truncated
  EXPECT_TRUE(v.as_object().contains("k\uFFFD"));
}

TEST(valid_utf8, accepts_every_well_formed_length) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\uFFFDb");
}

TEST(names, are_the_documented_strings) {
  EXPECT_EQ(names::stream_created, "SseStreamCreated");
  EXPECT_EQ(names::resume_attempt, "SseResumeAttempt");
  EXPECT_EQ(names::resume_success, "SseResumeSuccess");
  EXPECT_EQ(names::resume_failure, "SseResumeFailure");
  EXPECT_EQ(names::resume_live_end, "SseResumeLiveEnd");
  EXPECT_EQ(names::buffer_trimmed, "SseBufferTrimmed");
  EXPECT_EQ(names::stream_ended, "SseStreamEnded");
  EXPECT_EQ(names::stream_expired, "SseStreamExpired");
  EXPECT_EQ(names::client_disconnected, "SseClientDisconnected");
  EXPECT_EQ(names::slow_client_dropped, "SseSlowClientDropped");
  EXPECT_EQ(names::store_unavailable, "SseStoreUnavailable");
  EXPECT_EQ(names::store_recovered, "SseStoreRecovered");
  const std::regex shape("Sse[A-Z][A-Za-z]+");
  for (auto n : names::all) {
    EXPECT_TRUE(std::regex_match(std::string(n), shape)) << n;
  }
}

}  // namespace
}  // namespace sse::telemetry
