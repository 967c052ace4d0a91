#include "json_lines.hpp"

#include <gtest/gtest.h>

#include "seeded_rng.hpp"

namespace sse::test {
namespace {

TEST(json_lines, parses_complete_lines_and_skips_the_unfinished_one) {
  const auto lines =
      parse_json_lines("{\"name\":\"A\",\"seq\":3}\n\n{\"name\":\"B\",\"x\":2.0}\n{\"name\":\"C\"");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json_string(lines[0], "name"), "A");
  EXPECT_EQ(json_int(lines[0], "seq"), 3);
  EXPECT_EQ(json_int(lines[1], "x"), 2);
  EXPECT_EQ(json_int(lines[1], "name"), std::nullopt);
  EXPECT_EQ(json_string(lines[1], "missing"), std::nullopt);
  EXPECT_NE(describe_json_lines(lines).find("\"B\""), std::string::npos);
}

TEST(json_lines, a_complete_line_that_is_not_an_object_throws) {
  EXPECT_THROW(parse_json_lines("{\"a\":1}\nnot json\n"), std::runtime_error);
  EXPECT_THROW(parse_json_lines("[1,2]\n"), std::runtime_error);
}

TEST(seeded_rng, same_seed_same_sequence) {
  seeded_rng a(42);
  seeded_rng b(42);
  EXPECT_EQ(a.seed(), 42u);
  for (int i = 0; i < 10; ++i) {
    const auto x = a.uniform(0, 1000);
    EXPECT_EQ(x, b.uniform(0, 1000));
    EXPECT_GE(x, 0);
    EXPECT_LE(x, 1000);
  }
}

}  // namespace
}  // namespace sse::test
