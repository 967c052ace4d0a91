#include "http/stream_json.hpp"

#include <gtest/gtest.h>

namespace sse::http {
namespace {

TEST(format_rfc3339, utc_with_millis) {
  EXPECT_EQ(format_rfc3339(core::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(core::time_point(std::chrono::milliseconds(1'790'000'000'123))),
            "2026-09-21T14:13:20.123Z");
}

TEST(stream_info_json, every_field) {
  store::stream_info info;
  info.epoch = "abc123";
  info.status = store::stream_status::completed;
  info.last_seq = 9;
  info.first_seq = 3;
  info.buffered_count = 7;
  info.buffered_bytes = 70;
  info.trimmed_count = 2;
  info.buffer_limit = 256;
  info.buffer_max_bytes = 1024;
  info.created_at = core::time_point(std::chrono::milliseconds(1000));
  info.updated_at = core::time_point(std::chrono::milliseconds(2500));
  info.expires_in = std::chrono::milliseconds(1500);
  auto o = stream_info_json("s", info);
  EXPECT_EQ(o.at("stream"), "s");
  EXPECT_EQ(o.at("epoch"), "abc123");
  EXPECT_EQ(o.at("status"), "completed");
  EXPECT_EQ(o.at("last_seq").to_number<std::uint64_t>(), 9u);
  EXPECT_EQ(o.at("first_seq").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(o.at("buffered_count").to_number<std::uint64_t>(), 7u);
  EXPECT_EQ(o.at("buffered_bytes").to_number<std::uint64_t>(), 70u);
  EXPECT_EQ(o.at("trimmed_count").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(o.at("buffer_limit").to_number<std::uint64_t>(), 256u);
  EXPECT_EQ(o.at("buffer_max_bytes").to_number<std::uint64_t>(), 1024u);
  EXPECT_EQ(o.at("created_at"), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(o.at("created_at_ms").to_number<std::int64_t>(), 1000);
  EXPECT_EQ(o.at("updated_at_ms").to_number<std::int64_t>(), 2500);
  EXPECT_EQ(o.at("expires_in_seconds").to_number<std::int64_t>(), 2);  // rounded up
}

}  // namespace
}  // namespace sse::http
