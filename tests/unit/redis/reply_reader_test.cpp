#include "redis/reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace std::string_view_literals;

namespace sse::redis {
namespace {

reply parse_one(std::string_view bytes) {
  reply_reader rd;
  rd.feed(bytes);
  auto r = rd.next();
  EXPECT_TRUE(r.has_value());
  EXPECT_TRUE(r->has_value());
  return std::move(**r);
}

TEST(reply_reader, parses_every_resp2_type) {
  EXPECT_EQ(parse_one("+OK\r\n").type, reply_type::status);
  EXPECT_EQ(parse_one("+OK\r\n").str, "OK");
  auto err = parse_one("-NOSCRIPT No matching script\r\n");
  EXPECT_TRUE(err.is_error());
  EXPECT_TRUE(err.error_starts_with("NOSCRIPT"));
  EXPECT_EQ(parse_one(":-42\r\n").integer, -42);
  EXPECT_EQ(parse_one("$5\r\nhello\r\n").str, "hello");
  EXPECT_TRUE(parse_one("$-1\r\n").is_nil());
  EXPECT_TRUE(parse_one("*-1\r\n").is_nil());
  auto empty = parse_one("*0\r\n");
  EXPECT_TRUE(empty.is_array());
  EXPECT_TRUE(empty.elements.empty());
}

TEST(reply_reader, parses_nested_arrays_with_binary_strings) {
  auto r = parse_one("*3\r\n:1\r\n*2\r\n$3\r\na\0b\r\n$-1\r\n+x\r\n"sv);
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].integer, 1);
  ASSERT_EQ(r.elements[1].elements.size(), 2u);
  EXPECT_EQ(r.elements[1].elements[0].str, std::string("a\0b", 3));
  EXPECT_TRUE(r.elements[1].elements[1].is_nil());
  EXPECT_EQ(r.elements[2].str, "x");
}

TEST(reply_reader, waits_for_more_bytes_at_every_split_point) {
  const std::string bytes = "*2\r\n$5\r\nhello\r\n:7\r\n";
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    reply_reader rd;
    rd.feed(std::string_view(bytes).substr(0, cut));
    auto partial = rd.next();
    ASSERT_TRUE(partial.has_value()) << cut;
    EXPECT_FALSE(partial->has_value()) << cut;
    rd.feed(std::string_view(bytes).substr(cut));
    auto full = rd.next();
    ASSERT_TRUE(full.has_value() && full->has_value()) << cut;
    EXPECT_EQ((*full)->elements[0].str, "hello");
    EXPECT_EQ((*full)->elements[1].integer, 7);
  }
}

TEST(reply_reader, yields_pipelined_replies_in_order) {
  reply_reader rd;
  rd.feed("+A\r\n:2\r\n$1\r\nC\r\n");
  EXPECT_EQ((*rd.next())->str, "A");
  EXPECT_EQ((*rd.next())->integer, 2);
  EXPECT_EQ((*rd.next())->str, "C");
  EXPECT_FALSE(rd.next()->has_value());
}

TEST(reply_reader, reports_protocol_errors_until_reset) {
  reply_reader rd;
  rd.feed("?garbage\r\n");
  EXPECT_FALSE(rd.next().has_value());
  rd.feed("+OK\r\n");
  EXPECT_FALSE(rd.next().has_value());
  rd.reset();
  rd.feed("+OK\r\n");
  auto r = rd.next();
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->str, "OK");
}

TEST(reply, the_answer_to_ping_is_pong_or_on_a_subscribed_link_the_pong_array) {
  EXPECT_TRUE(is_ping_answer(parse_one("+PONG\r\n"), false));
  EXPECT_TRUE(is_ping_answer(parse_one("+PONG\r\n"), true));
  const reply subscribed = parse_one("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_TRUE(is_ping_answer(subscribed, true));
  EXPECT_FALSE(is_ping_answer(subscribed, false));
  // What another command gets: a shifted link.
  for (const char* other : {"+OK\r\n", "$4\r\nPONG\r\n", ":1\r\n", "-ERR x\r\n", "$-1\r\n",
                            "*2\r\n$4\r\npong\r\n$1\r\nx\r\n"}) {
    EXPECT_FALSE(is_ping_answer(parse_one(other), true)) << other;
  }
}

}  // namespace
}  // namespace sse::redis
