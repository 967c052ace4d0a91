#include "http/negotiation.hpp"

#include <gtest/gtest.h>

namespace sse::http {
namespace {

TEST(accepts_event_stream, admits) {
  EXPECT_TRUE(accepts_event_stream("text/event-stream"));
  EXPECT_TRUE(accepts_event_stream("*/*"));
  EXPECT_TRUE(accepts_event_stream("text/*"));
  EXPECT_TRUE(accepts_event_stream("application/json, text/event-stream;q=0.5"));
  EXPECT_TRUE(accepts_event_stream("TEXT/EVENT-STREAM"));
  EXPECT_TRUE(accepts_event_stream("text/html, */*;q=0.1"));
}

TEST(accepts_event_stream, excludes) {
  EXPECT_FALSE(accepts_event_stream("application/json"));
  EXPECT_FALSE(accepts_event_stream("text/html, application/xml"));
  EXPECT_FALSE(accepts_event_stream("text/event-stream;q=0"));
  EXPECT_FALSE(accepts_event_stream("text/event-stream; q=0.000"));
  EXPECT_FALSE(accepts_event_stream("text/event-streams"));
}

}  // namespace
}  // namespace sse::http
