#include "stream/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sse::stream {
namespace {

std::vector<parsed_event> feed_all(sse_parser& p, std::string_view bytes) {
  return p.feed(bytes);
}

// Feeds one byte at a time: every rule must hold whatever the chunking.
std::vector<parsed_event> feed_bytewise(sse_parser& p, std::string_view bytes) {
  std::vector<parsed_event> out;
  for (char c : bytes) {
    auto got = p.feed(std::string_view(&c, 1));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

TEST(sse_parser, simple_event) {
  sse_parser p;
  auto ev = feed_all(p, "id: e1:1\nevent: delta\ndata: hi\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].id, "e1:1");
  EXPECT_TRUE(ev[0].id_set);
  EXPECT_EQ(ev[0].event, "delta");
  EXPECT_EQ(ev[0].data, "hi");
  EXPECT_FALSE(ev[0].retry);
  EXPECT_EQ(p.last_event_id(), "e1:1");
}

TEST(sse_parser, not_dispatched_before_blank_line) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: a\n").empty());
  EXPECT_TRUE(p.feed("data: b\n").empty());
  auto ev = p.feed("\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a\nb");
}

TEST(sse_parser, multi_line_data_joined_with_lf) {
  sse_parser p;
  auto ev = p.feed("data: a\ndata:\ndata: c\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a\n\nc");
}

TEST(sse_parser, cr_and_crlf_line_endings) {
  sse_parser p;
  auto ev = p.feed("data: a\rdata: b\r\n\r\ndata: c\r\r");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "a\nb");
  EXPECT_EQ(ev[1].data, "c");
}

TEST(sse_parser, crlf_split_across_feeds_is_one_line_break) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: a\r").empty());
  // If the LF were taken as a second line ending, this would dispatch now.
  EXPECT_TRUE(p.feed("\ndata: b\r").empty());
  auto ev = p.feed("\n\r\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a\nb");
}

TEST(sse_parser, cr_then_blank_line_across_feeds) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: a\r").empty());
  auto ev = p.feed("\r");  // CR CR: the second CR is a blank line
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a");
}

TEST(sse_parser, one_optional_space_after_colon) {
  sse_parser p;
  auto ev = p.feed("data:no-space\ndata: one\ndata:  two\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "no-space\none\n two");
}

TEST(sse_parser, value_keeps_later_colons) {
  sse_parser p;
  auto ev = p.feed("data: a: b:c\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a: b:c");
}

TEST(sse_parser, field_without_colon_has_empty_value) {
  sse_parser p;
  auto ev = p.feed("data\ndata\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "\n");
  // "event" alone sets an empty type.
  ev = p.feed("event: x\nevent\ndata: y\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "");
}

TEST(sse_parser, comments_are_counted_and_ignored) {
  sse_parser p;
  auto ev = p.feed(": heartbeat\n\n:\n: another\ndata: x\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "x");
  EXPECT_EQ(p.comments(), 3u);
}

TEST(sse_parser, block_without_data_is_not_dispatched) {
  sse_parser p;
  auto ev = p.feed("id: e1:5\nevent: gap\n\n");
  EXPECT_TRUE(ev.empty());
  // Its id still applies, as in EventSource.
  EXPECT_EQ(p.last_event_id(), "e1:5");
  ev = p.feed("data: z\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].id, "e1:5");
  EXPECT_FALSE(ev[0].id_set);
  EXPECT_EQ(ev[0].event, "") << "the type buffer is reset at each blank line";
}

TEST(sse_parser, empty_data_line_dispatches_empty_data) {
  sse_parser p;
  auto ev = p.feed("data: \n\ndata:\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "");
  EXPECT_EQ(ev[1].data, "");
}

TEST(sse_parser, id_persists_and_can_be_cleared) {
  sse_parser p;
  auto ev = p.feed("id: a\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].id, "a");
  EXPECT_EQ(ev[1].id, "a");
  EXPECT_FALSE(ev[1].id_set);
  EXPECT_EQ(ev[2].id, "");
  EXPECT_TRUE(ev[2].id_set);
  EXPECT_EQ(p.last_event_id(), "");
}

TEST(sse_parser, id_with_nul_is_ignored) {
  sse_parser p;
  using namespace std::literals;
  auto ev = p.feed("id: good\ndata: 1\n\nid: b\0d\ndata: 2\n\n"sv);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].id, "good");
  EXPECT_FALSE(ev[1].id_set);
}

TEST(sse_parser, retry_digits_only) {
  sse_parser p;
  EXPECT_TRUE(p.feed("retry: 1500\n\n").empty());
  EXPECT_EQ(p.reconnection_time(), 1500u);
  p.feed("retry: 15x\n\nretry: -1\n\nretry:\n\nretry: 1.5\n\nretry:  20\n\n");
  EXPECT_EQ(p.reconnection_time(), 1500u) << "invalid values are ignored";
  p.feed("retry: 99999999999999999999999\n\n");
  EXPECT_EQ(p.reconnection_time(), 1500u) << "overflow is ignored";
  auto ev = p.feed("retry: 7\ndata: x\n\ndata: y\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].retry, 7u);
  EXPECT_FALSE(ev[1].retry);
  EXPECT_EQ(p.reconnection_time(), 7u);
}

TEST(sse_parser, unknown_fields_ignored) {
  sse_parser p;
  auto ev = p.feed("foo: bar\nData: no\ndata: yes\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "yes") << "field names are case-sensitive";
}

TEST(sse_parser, leading_bom_is_skipped_once) {
  sse_parser p;
  auto ev = p.feed(
      "\xEF\xBB\xBF"
      "data: a\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a");
  // A BOM later in the stream is part of a line: here it makes an unknown field name.
  ev = p.feed(
      "\xEF\xBB\xBF"
      "data: b\n\ndata: c\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "c");
}

TEST(sse_parser, bom_split_across_feeds) {
  sse_parser p;
  EXPECT_TRUE(p.feed("\xEF").empty());
  EXPECT_TRUE(p.feed("\xBB").empty());
  auto ev = p.feed(
      "\xBF"
      "data: a\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a");
}

TEST(sse_parser, partial_bom_then_other_bytes_is_kept) {
  sse_parser p;
  EXPECT_TRUE(p.feed("\xEF").empty());
  auto ev = p.feed("x\ndata: a\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "a");
  EXPECT_EQ(p.comments(), 0u);
}

TEST(sse_parser, no_bom_without_prefix) {
  sse_parser p;
  auto ev = p.feed(":c\ndata: a\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(p.comments(), 1u);
}

TEST(sse_parser, incomplete_event_at_end_is_not_dispatched) {
  sse_parser p;
  EXPECT_TRUE(p.feed("data: a\n\ndata: b\n").size() == 1u);
  EXPECT_TRUE(p.feed("data: c").empty());
}

TEST(sse_parser, byte_by_byte_matches_whole_feed) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\nretry: 1000\r\n\r\nid: ep0001:1\r\nevent: delta\r\ndata: a\r\n"
      "data: b\r\n\r\nid: ep0001:2\rdata:c\r\rdata\n\nid: ep0001:3\nevent: end\n"
      "data: {\"status\":\"completed\"}\n\n";
  sse_parser whole;
  sse_parser bytewise;
  auto a = feed_all(whole, stream);
  auto b = feed_bytewise(bytewise, stream);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].event, b[i].event);
    EXPECT_EQ(a[i].data, b[i].data);
  }
  EXPECT_EQ(a[0].data, "a\nb");
  EXPECT_EQ(a[0].event, "delta");
  EXPECT_EQ(a[1].data, "c");
  EXPECT_EQ(a[2].data, "");
  EXPECT_EQ(a[2].id, "ep0001:2");
  EXPECT_EQ(a[3].event, "end");
  EXPECT_EQ(whole.comments(), 1u);
  EXPECT_EQ(bytewise.comments(), 1u);
  EXPECT_EQ(bytewise.reconnection_time(), 1000u);
  EXPECT_EQ(bytewise.last_event_id(), "ep0001:3");
}

TEST(sse_parser, every_two_way_split_agrees) {
  const std::string stream = "id: x:1\r\ndata: a\r\ndata: b\r\n\r\n: c\r\ndata: d\r\r";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    sse_parser p;
    auto ev = p.feed(std::string_view(stream).substr(0, cut));
    auto rest = p.feed(std::string_view(stream).substr(cut));
    ev.insert(ev.end(), rest.begin(), rest.end());
    ASSERT_EQ(ev.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(ev[0].data, "a\nb") << "cut at " << cut;
    EXPECT_EQ(ev[1].data, "d") << "cut at " << cut;
    EXPECT_EQ(ev[1].id, "x:1") << "cut at " << cut;
    EXPECT_EQ(p.comments(), 1u) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace sse::stream
