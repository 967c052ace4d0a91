#include "core/stream_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sse::core {
namespace {

TEST(StreamId, AcceptsEveryAllowedCharacter) {
  EXPECT_TRUE(is_valid_stream_id("a"));
  EXPECT_TRUE(is_valid_stream_id("AZaz09._:-"));
  EXPECT_TRUE(is_valid_stream_id("chat:room-42.v1_x"));
}

TEST(StreamId, RejectsEmptyAndForbiddenCharacters) {
  EXPECT_FALSE(is_valid_stream_id(""));
  using namespace std::literals;
  for (std::string_view bad :
       {"a b"sv, "a/b"sv, "a?b"sv, "a%20"sv, "é"sv, "a\nb"sv, "a\0b"sv, "a#"sv, "a+b"sv}) {
    EXPECT_FALSE(is_valid_stream_id(bad)) << bad;
  }
}

TEST(StreamId, LengthLimitIs128) {
  EXPECT_TRUE(is_valid_stream_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_stream_id(std::string(129, 'x')));
}

TEST(EventType, OneTo64TokenCharacters) {
  EXPECT_TRUE(is_valid_event_type("delta"));
  EXPECT_TRUE(is_valid_event_type("a.b:c-d_E9"));
  EXPECT_TRUE(is_valid_event_type(std::string(64, 't')));
  EXPECT_FALSE(is_valid_event_type(std::string(65, 't')));
  EXPECT_FALSE(is_valid_event_type(""));
  EXPECT_FALSE(is_valid_event_type("a b"));
  EXPECT_FALSE(is_valid_event_type("line\nbreak"));
}

}  // namespace
}  // namespace sse::core
