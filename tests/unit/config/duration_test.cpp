#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sse::config {
namespace {

using std::chrono::milliseconds;

TEST(parse_duration, accepts_every_unit) {
  EXPECT_EQ(parse_duration("250ms").value(), milliseconds(250));
  EXPECT_EQ(parse_duration("15s").value(), milliseconds(15'000));
  EXPECT_EQ(parse_duration("5m").value(), milliseconds(300'000));
  EXPECT_EQ(parse_duration("1h").value(), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("0ms").value(), milliseconds(0));
  EXPECT_EQ(parse_duration("0").value(), milliseconds(0));
}

TEST(parse_duration, bare_number_is_seconds) {
  EXPECT_EQ(parse_duration("30").value(), milliseconds(30'000));
  EXPECT_EQ(parse_duration("1").value(), milliseconds(1'000));
}

TEST(parse_duration, accepts_fractions_that_land_on_whole_milliseconds) {
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1'500));
  EXPECT_EQ(parse_duration("0.25h").value(), milliseconds(900'000));
  EXPECT_EQ(parse_duration("0.001").value(), milliseconds(1));
  EXPECT_EQ(parse_duration("2.50m").value(), milliseconds(150'000));
  EXPECT_FALSE(parse_duration("0.0005s"));
  EXPECT_FALSE(parse_duration("1.5ms"));
}

TEST(parse_duration, accepts_up_to_the_maximum) {
  EXPECT_EQ(parse_duration("87600h").value(), max_duration);
  EXPECT_FALSE(parse_duration("87601h"));
}

TEST(parse_duration, rejects_garbage) {
  for (const char* bad :
       {"",     "-1s",  "-5",  "+5s", "5x",   "s",  "ms",     "1.s",  ".5s", "1..5s", "1e3", "15 s",
        " 15s", "15s ", "15S", "1H",  "5sec", "1d", "1.2.3s", "0x10", "abc", "5ms5",  "--1"}) {
    EXPECT_FALSE(parse_duration(bad)) << '"' << bad << '"';
    if (auto r = parse_duration(bad); !r) {
      EXPECT_EQ(r.error(), make_error_code(errc::invalid_argument)) << bad;
    }
  }
}

TEST(parse_duration, rejects_overflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999"));
  EXPECT_FALSE(parse_duration("99999999999999999999ms"));
  EXPECT_FALSE(parse_duration("18446744073709551615h"));
  EXPECT_FALSE(parse_duration("9223372036854775807ms"));
  EXPECT_FALSE(parse_duration("5124095576030431h"));
}

TEST(format_duration, picks_the_largest_exact_unit) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(15'000)), "15s");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(300'000)), "5m");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "90m");
  EXPECT_EQ(format_duration(milliseconds(3'600'000)), "1h");
}

TEST(format_duration, round_trips_through_parse) {
  for (long long ms : {0LL, 1LL, 999LL, 1'000LL, 1'001LL, 60'000LL, 61'000LL, 3'600'000LL,
                       86'400'000LL, static_cast<long long>(max_duration.count())}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))).value(), milliseconds(ms)) << ms;
  }
}

}  // namespace
}  // namespace sse::config
