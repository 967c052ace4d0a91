#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "load/options.hpp"
#include "load/traffic_mix.hpp"

namespace sse::load {
namespace {

TEST(traffic_mix, weights_parse_and_format) {
  auto w = parse_weights("8,90,0,2");
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ((*w)[1], 90);
  EXPECT_EQ(format_weights(*w), "8,90,0,2");
  EXPECT_FALSE(parse_weights("8,90,0"));
  EXPECT_FALSE(parse_weights("8,90,0,2,1"));
  EXPECT_FALSE(parse_weights("0,0,0,0"));
  EXPECT_FALSE(parse_weights("1,-1,0,0"));
  EXPECT_FALSE(parse_weights("1,x,0,0"));
}

TEST(traffic_mix, sizes_parse_and_format) {
  auto s = parse_sizes("16-48,4-32,64-256,200-1000");
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)[3].min, 200u);
  EXPECT_EQ((*s)[3].max, 1000u);
  EXPECT_EQ(format_sizes(*s), "16-48,4-32,64-256,200-1000");
  EXPECT_FALSE(parse_sizes("16-48,4-32,64-256"));
  EXPECT_FALSE(parse_sizes("48-16,4-32,64-256,200-1000"));
  EXPECT_FALSE(parse_sizes("16,4-32,64-256,200-1000"));
  EXPECT_FALSE(parse_sizes("16-48,4-32,64-256,200-100000"));
}

TEST(traffic_mix, event_line_is_json_carrying_the_timestamp) {
  std::string body;
  append_event_line(body, 3, 123456789, 40);
  append_event_line(body, 0, 5, 0);
  const auto nl = body.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const auto first = boost::json::parse(body.substr(0, nl)).as_object();
  EXPECT_EQ(first.at("event").as_string(), "usage");
  EXPECT_EQ(first.at("priority").as_int64(), 3);
  const std::string data(first.at("data").as_string());
  EXPECT_EQ(data.size(), std::string("123456789 ").size() + 40);
  std::uint64_t ts = 0;
  ASSERT_TRUE(read_publish_ns(data, ts));
  EXPECT_EQ(ts, 123456789u);
  const auto second = boost::json::parse(body.substr(nl + 1)).as_object();
  EXPECT_EQ(second.at("event").as_string(), "progress");
  EXPECT_EQ(second.at("data").as_string(), "5 ");
  EXPECT_FALSE(read_publish_ns("no timestamp", ts));
}

TEST(traffic_mix, source_draws_within_the_mix) {
  traffic_mix mix;
  mix.weights = {0, 1, 0, 0};
  traffic_source only_deltas(mix, 7);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(only_deltas.next_priority(), 1);
    const auto size = only_deltas.next_size(1);
    EXPECT_GE(size, 4u);
    EXPECT_LE(size, 32u);
  }
  traffic_source defaults(traffic_mix{}, 7);
  int counts[4] = {};
  for (int i = 0; i < 10000; ++i) {
    ++counts[defaults.next_priority()];
  }
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[1], counts[0]);
  EXPECT_GT(counts[0], counts[3]);
  EXPECT_GT(counts[3], 0);
}

TEST(options, durations) {
  EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parse_duration("15s"), std::chrono::milliseconds(15000));
  EXPECT_EQ(*parse_duration("2m"), std::chrono::milliseconds(120000));
  EXPECT_EQ(*parse_duration("1h"), std::chrono::milliseconds(3600000));
  EXPECT_EQ(*parse_duration("1.5"), std::chrono::milliseconds(1500));
  EXPECT_FALSE(parse_duration("abc"));
  EXPECT_FALSE(parse_duration("5d"));
  EXPECT_FALSE(parse_duration("-1s"));
}

}  // namespace
}  // namespace sse::load
