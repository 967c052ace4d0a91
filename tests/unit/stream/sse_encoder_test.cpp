#include "stream/sse_encoder.hpp"

#include <gtest/gtest.h>

#include "stream/sse_parser.hpp"

namespace sse::stream {
namespace {

TEST(encode_event, type_and_single_line) {
  EXPECT_EQ(encode_event("ep0001", 7, "delta", "hello"),
            "id: ep0001:7\nevent: delta\ndata: hello\n\n");
}

TEST(encode_event, no_type_omits_event_line) {
  EXPECT_EQ(encode_event("ep0001", 1, "", "x"), "id: ep0001:1\ndata: x\n\n");
}

TEST(encode_event, empty_data_still_has_one_data_line) {
  EXPECT_EQ(encode_event("ep0001", 2, "", ""), "id: ep0001:2\ndata: \n\n");
}

TEST(encode_event, splits_on_lf) {
  EXPECT_EQ(encode_event("ep0001", 3, "", "a\nb\nc"),
            "id: ep0001:3\ndata: a\ndata: b\ndata: c\n\n");
}

TEST(encode_event, splits_on_cr) {
  EXPECT_EQ(encode_event("ep0001", 3, "", "a\rb"), "id: ep0001:3\ndata: a\ndata: b\n\n");
}

TEST(encode_event, crlf_is_one_break) {
  EXPECT_EQ(encode_event("ep0001", 3, "", "a\r\nb"), "id: ep0001:3\ndata: a\ndata: b\n\n");
}

TEST(encode_event, mixed_and_consecutive_breaks_keep_empty_lines) {
  // LF CR is two breaks (an empty line between), CR CR LF is two breaks as well.
  EXPECT_EQ(encode_event("ep0001", 4, "", "a\n\rb\r\r\nc"),
            "id: ep0001:4\ndata: a\ndata: \ndata: b\ndata: \ndata: c\n\n");
}

TEST(encode_event, leading_and_trailing_breaks) {
  EXPECT_EQ(encode_event("ep0001", 5, "", "\nx\n"), "id: ep0001:5\ndata: \ndata: x\ndata: \n\n");
  EXPECT_EQ(encode_event("ep0001", 5, "", "\r\n"), "id: ep0001:5\ndata: \ndata: \n\n");
}

TEST(encode_event, leading_space_and_colons_in_data_survive) {
  EXPECT_EQ(encode_event("ep0001", 6, "t", " a: b"), "id: ep0001:6\nevent: t\ndata:  a: b\n\n");
}

TEST(encode_event, newlines_in_type_cannot_inject_fields) {
  EXPECT_EQ(encode_event("ep0001", 1, "a\ndata: x", "y"),
            "id: ep0001:1\nevent: a data: x\ndata: y\n\n");
}

TEST(encode_event, largest_seq) {
  EXPECT_EQ(encode_event("ep0001", UINT64_MAX, "", "x"),
            "id: ep0001:18446744073709551615\ndata: x\n\n");
}

TEST(encode_event, round_trips_through_the_parser) {
  for (std::string data : {"", "a", "a\nb", "a\r\nb", "a\rb", "\n", "x\n", "\r\n\r\n", " lead",
                           "utf8 \xC3\xA9\xE2\x82\xAC"}) {
    sse_parser p;
    auto events = p.feed(encode_event("ep0001", 9, "t", data));
    ASSERT_EQ(events.size(), 1u) << data;
    // The parser normalizes every line break to LF.
    std::string expected;
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '\r') {
        expected.push_back('\n');
        if (i + 1 < data.size() && data[i + 1] == '\n') {
          ++i;
        }
      } else {
        expected.push_back(data[i]);
      }
    }
    EXPECT_EQ(events[0].data, expected);
    EXPECT_EQ(events[0].event, "t");
    EXPECT_EQ(events[0].id, "ep0001:9");
  }
}

TEST(encode_gap, exact_bytes) {
  EXPECT_EQ(encode_gap("ep0001", 3, 5),
            "id: ep0001:5\nevent: gap\ndata: {\"from\":3,\"to\":5,\"reason\":\"trimmed\"}\n\n");
  EXPECT_EQ(encode_gap("ep0001", 4, 4),
            "id: ep0001:4\nevent: gap\ndata: {\"from\":4,\"to\":4,\"reason\":\"trimmed\"}\n\n");
}

TEST(encode_gap, unreadable_reason_exact_bytes) {
  EXPECT_EQ(encode_gap("ep0001", 6, 6, gap_reason::unreadable),
            "id: ep0001:6\nevent: gap\ndata: {\"from\":6,\"to\":6,\"reason\":\"unreadable\"}\n\n");
}

TEST(encode_reset, exact_bytes) {
  EXPECT_EQ(encode_reset("epoch", "ep0001", 12),
            "id: ep0001:0\nevent: reset\n"
            "data: {\"reason\":\"epoch\",\"epoch\":\"ep0001\",\"last_seq\":12}\n\n");
  EXPECT_EQ(encode_reset("ahead", "ep0001", 0),
            "id: ep0001:0\nevent: reset\n"
            "data: {\"reason\":\"ahead\",\"epoch\":\"ep0001\",\"last_seq\":0}\n\n");
}

TEST(encode_retry, exact_bytes) {
  EXPECT_EQ(encode_retry(std::chrono::milliseconds(1000)), "retry: 1000\n\n");
  EXPECT_EQ(encode_retry(std::chrono::milliseconds(0)), "retry: 0\n\n");
}

TEST(encode_comment, exact_bytes_and_sanitized) {
  EXPECT_EQ(encode_comment("hb"), ": hb\n\n");
  EXPECT_EQ(encode_comment(""), ": \n\n");
  EXPECT_EQ(encode_comment("a\r\nb\nc"), ": a  b c\n\n");
}

TEST(end_event_data, exact_bytes) {
  EXPECT_EQ(end_event_data("completed"), "{\"status\":\"completed\"}");
  EXPECT_EQ(end_event_data("a\"b\\c\n"), "{\"status\":\"a\\\"b\\\\c\\u000a\"}");
}

TEST(make_stored_event, builds_frame_once_with_size) {
  new_event e{"delta", "hello\nworld", 2};
  stored_event s = make_stored_event("ep0001", 11, e);
  EXPECT_EQ(s.seq, 11u);
  EXPECT_EQ(s.priority, 2);
  EXPECT_FALSE(s.is_end);
  EXPECT_EQ(s.size_bytes, event_size_bytes(5, 11));
  ASSERT_TRUE(s.frame);
  EXPECT_EQ(*s.frame, "id: ep0001:11\nevent: delta\ndata: hello\ndata: world\n\n");

  stored_event copy = s;
  EXPECT_EQ(copy.frame.get(), s.frame.get()) << "copies share the frame";

  new_event end{"end", end_event_data("failed"), max_priority};
  stored_event se = make_stored_event("ep0001", 12, end, true);
  EXPECT_TRUE(se.is_end);
  EXPECT_EQ(se.priority, 3);
  EXPECT_EQ(*se.frame, "id: ep0001:12\nevent: end\ndata: {\"status\":\"failed\"}\n\n");
}

}  // namespace
}  // namespace sse::stream
