#include "redis/script.hpp"

#include <gtest/gtest.h>

namespace sse::redis {
namespace {

TEST(script, sha_is_the_sha1_redis_computes) {
  // `redis-cli SCRIPT LOAD "return 1"` answers this digest.
  EXPECT_EQ(script("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(script("").sha(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

}  // namespace
}  // namespace sse::redis
