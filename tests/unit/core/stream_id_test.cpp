#include "core/stream_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sse::core {
namespace {

TEST(stream_id, accepts_every_allowed_character) {
  EXPECT_TRUE(is_valid_stream_id("a"));
  EXPECT_TRUE(is_valid_stream_id("AZaz09._:-"));
  EXPECT_TRUE(is_valid_stream_id("chat:room-42.v1_x"));
}

TEST(stream_id, rejects_empty_and_forbidden_characters) {
  EXPECT_FALSE(is_valid_stream_id(""));
  using namespace std::literals;
  for (std::string_view bad :
       {"a b"sv, "a/b"sv, "a?b"sv, "a%20"sv, "é"sv, "a\nb"sv, "a\0b"sv, "a#"sv, "a+b"sv}) {
    EXPECT_FALSE(is_valid_stream_id(bad)) << bad;
  }
}

TEST(stream_id, length_limit_is128) {
  EXPECT_TRUE(is_valid_stream_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_stream_id(std::string(129, 'x')));
}

TEST(event_type, one_to64_token_characters) {
  EXPECT_TRUE(is_valid_event_type("delta"));
  EXPECT_TRUE(is_valid_event_type("a.b:c-d_E9"));
  EXPECT_TRUE(is_valid_event_type(std::string(64, 't')));
  EXPECT_FALSE(is_valid_event_type(std::string(65, 't')));
  EXPECT_FALSE(is_valid_event_type(""));
  EXPECT_FALSE(is_valid_event_type("a b"));
  EXPECT_FALSE(is_valid_event_type("line\nbreak"));
}

TEST(relay_stream_id, route_namespace_that_no_key_can_leave) {
  EXPECT_EQ(relay_stream_id("chat", "turn-1"), "relay.chat.turn-1");
  EXPECT_EQ(relay_stream_id("a.b", "k"), "relay.a.b.k");
  EXPECT_EQ(relay_stream_id("chat", "other.k"), std::nullopt) << "a dot would cross routes";
  EXPECT_EQ(relay_stream_id("chat", ""), std::nullopt);
  EXPECT_EQ(relay_stream_id("chat", "a b"), std::nullopt);
  const std::size_t room = max_relay_key_length("chat");
  EXPECT_EQ(room, 128u - 11u);
  EXPECT_TRUE(relay_stream_id("chat", std::string(room, 'k')));
  EXPECT_FALSE(relay_stream_id("chat", std::string(room + 1, 'k')));
  EXPECT_TRUE(is_valid_stream_id(*relay_stream_id("chat", std::string(room, 'k'))));

  EXPECT_EQ(relay_route_of("relay.chat.turn-1"), "chat");
  EXPECT_EQ(relay_route_of("relay.a.b.k"), "a.b");
  EXPECT_EQ(relay_route_of("relay.chat"), std::nullopt);
  EXPECT_EQ(relay_route_of("relay.chat."), std::nullopt);
  EXPECT_EQ(relay_route_of("relay..k"), std::nullopt);
  EXPECT_EQ(relay_route_of("chat.turn-1"), std::nullopt);
  EXPECT_EQ(relay_route_of("relay:chat"), std::nullopt);

  EXPECT_TRUE(is_relay_stream_id("relay.chat.k"));
  EXPECT_FALSE(is_relay_stream_id("relay:chat"));
  EXPECT_TRUE(is_reserved_stream_id("relay:chat"));
  EXPECT_TRUE(is_reserved_stream_id("ds:chat"));
  EXPECT_FALSE(is_reserved_stream_id("ds.chat"));
  EXPECT_FALSE(is_reserved_stream_id("relay.chat.k"));
  EXPECT_FALSE(is_reserved_stream_id("chat"));
}

}  // namespace
}  // namespace sse::core
