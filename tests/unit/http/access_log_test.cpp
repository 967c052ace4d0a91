// The access log's redaction and event shape (http/access_log.hpp), with literal values.
#include "http/access_log.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace sse::http {
namespace {

TEST(redact_target, token_values_are_redacted_and_the_rest_kept) {
  EXPECT_EQ(redact_target("/v1/streams/a/events"), "/v1/streams/a/events");
  EXPECT_EQ(redact_target("/v1/streams/a/events?token=abc"), "/v1/streams/a/events?token=REDACTED");
  EXPECT_EQ(redact_target("/x?a=1&token=abc&b=2"), "/x?a=1&token=REDACTED&b=2");
  EXPECT_EQ(redact_target("/x?access_token=abc"), "/x?access_token=REDACTED");
  EXPECT_EQ(redact_target("/x?Token=abc&token=def"), "/x?Token=REDACTED&token=REDACTED");
  EXPECT_EQ(redact_target("/x?%74oken=abc"), "/x?%74oken=REDACTED");  // decoded name
  EXPECT_EQ(redact_target("/x?tokens=abc&mytoken=d"), "/x?tokens=abc&mytoken=d");
  EXPECT_EQ(redact_target("/x?token"), "/x?token");  // no value to hide
  EXPECT_EQ(redact_target("/x?a=1#frag"), "/x?a=1#REDACTED");
  EXPECT_EQ(redact_target("/x?"), "/x?");
}

TEST(access_event, fields_of_a_line) {
  access_record r;
  r.method = "GET";
  r.target = "/v1/streams/s/events?token=secret";
  r.status = 200;
  r.bytes = 1234;
  r.duration = std::chrono::microseconds(2500);
  r.client = "127.0.0.1";
  r.stream_id = "s";
  const auto e = access_event(r);
  EXPECT_EQ(e.name, "SseAccess");
  EXPECT_EQ(e.stream, "s");
  EXPECT_EQ(e.fields.at("path").as_string(), "/v1/streams/s/events?token=REDACTED");
  EXPECT_EQ(e.fields.at("status").to_number<int>(), 200);
  EXPECT_EQ(e.fields.at("bytes").to_number<int>(), 1234);
  EXPECT_DOUBLE_EQ(e.fields.at("duration_ms").to_number<double>(), 2.5);
  EXPECT_EQ(e.fields.at("client").as_string(), "127.0.0.1");
  EXPECT_FALSE(e.fields.contains("route"));
  EXPECT_EQ(boost::json::serialize(e.fields).find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sse::http
