// The HTTP/2 request value and the preface check (src/http/h2/request_builder, preface.hpp):
// pure, no socket.

#include <gtest/gtest.h>

#include "http/h2/preface.hpp"
#include "http/h2/request_builder.hpp"

namespace sse::http::h2 {
namespace {

TEST(h2_request_builder, pseudo_headers_and_known_fields_make_the_same_request_as_http11) {
  request_builder b(16 * 1024, 100);
  b.add_header(":method", "GET");
  b.add_header(":scheme", "http");
  b.add_header(":authority", "h");
  b.add_header(":path", "/v1/streams/a/events?last_event_id=3");
  b.add_header("last-event-id", "e:1");
  b.add_header("last-event-id", "e:2");  // the first one counts, as over HTTP/1.1
  b.add_header("accept", "text/event-stream");
  b.add_header("origin", "https://app.example");
  const request r = b.take();
  EXPECT_EQ(r.verb, method::get);
  EXPECT_EQ(r.method_name, "GET");
  EXPECT_EQ(r.target, "/v1/streams/a/events?last_event_id=3");
  EXPECT_EQ(r.last_event_id, "e:1");
  EXPECT_EQ(r.accept, "text/event-stream");
  EXPECT_EQ(r.origin, "https://app.example");
  EXPECT_FALSE(r.authorization);
  EXPECT_TRUE(r.durable_headers.empty());
}

TEST(h2_request_builder, cookie_crumbs_are_joined_again) {
  request_builder b(16 * 1024, 100);
  b.add_header(":method", "GET");
  b.add_header(":path", "/");
  b.add_header("cookie", "a=1");
  b.add_header("cookie", "token=x");
  EXPECT_EQ(b.take().cookie, "a=1; token=x");
}

TEST(h2_request_builder, header_bytes_and_count_over_the_limits_are_flagged) {
  request_builder by_bytes(100, 100);
  by_bytes.add_header(":path", "/");
  by_bytes.add_header("x", std::string(80, 'v'));
  EXPECT_TRUE(by_bytes.headers_too_large());
  request_builder by_count(16 * 1024, 2);
  by_count.add_header(":method", "GET");
  by_count.add_header(":path", "/");
  EXPECT_FALSE(by_count.headers_too_large());
  by_count.add_header("x", "1");
  EXPECT_TRUE(by_count.headers_too_large());
}

TEST(h2_request_builder, a_body_over_the_limit_is_dropped_and_flagged) {
  request_builder b(16 * 1024, 100);
  EXPECT_TRUE(b.add_body("12345", 8));
  EXPECT_FALSE(b.add_body("6789", 8));
  EXPECT_TRUE(b.body_too_large());
  EXPECT_TRUE(b.take().body.empty());
}

TEST(h2_request_builder, durable_paths_keep_every_field) {
  request_builder b(16 * 1024, 100);
  b.add_header(":method", "POST");
  b.add_header(":path", "/v1/stream/x");
  b.add_header("stream-seq", "7");
  const request r = b.take();
  ASSERT_EQ(r.durable_headers.size(), 1u);
  EXPECT_EQ(r.durable_headers[0].first, "stream-seq");
}

TEST(h2_preface, is_told_apart_from_a_request_line_at_its_first_differing_byte) {
  EXPECT_EQ(match_preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), preface_match::yes);
  EXPECT_EQ(match_preface(std::string(client_preface) + "frames"), preface_match::yes);
  EXPECT_EQ(match_preface("PRI * HT"), preface_match::need_more);
  EXPECT_EQ(match_preface("GET / HTTP/1.1\r\n"), preface_match::no);
  EXPECT_EQ(match_preface("POST /"), preface_match::no);
  EXPECT_EQ(match_preface("PRI * HTTP/1.1\r\n"), preface_match::no);
}

}  // namespace
}  // namespace sse::http::h2
