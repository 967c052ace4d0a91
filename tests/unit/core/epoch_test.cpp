#include "core/epoch.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sse::core {
namespace {

TEST(epoch, made_epochs_are_valid_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string e = make_epoch();
    EXPECT_EQ(e.size(), 8u);
    EXPECT_TRUE(is_valid_epoch(e)) << e;
    seen.insert(e);
  }
  // 36^8 values: 200 draws colliding would mean a broken generator.
  EXPECT_EQ(seen.size(), 200u);
}

TEST(epoch, valid_form_is_six_to_twelve_lowercase_alnum) {
  EXPECT_TRUE(is_valid_epoch("abc123"));
  EXPECT_TRUE(is_valid_epoch("abcdefghij12"));
  EXPECT_FALSE(is_valid_epoch("abc12"));
  EXPECT_FALSE(is_valid_epoch("abcdefghij123"));
  EXPECT_FALSE(is_valid_epoch("ABC123"));
  EXPECT_FALSE(is_valid_epoch("abc-123"));
  EXPECT_FALSE(is_valid_epoch("abc:123"));
  EXPECT_FALSE(is_valid_epoch(""));
}

}  // namespace
}  // namespace sse::core
