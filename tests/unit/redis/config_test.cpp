#include "redis/config.hpp"

#include <gtest/gtest.h>

namespace sse::redis {
namespace {

TEST(parse_redis_url, host_and_port) {
  auto c = parse_redis_url("redis://10.0.0.5:6380");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "10.0.0.5");
  EXPECT_EQ(c->port, 6380);
  EXPECT_EQ(c->db, 0);
  EXPECT_TRUE(c->password.empty());
}

TEST(parse_redis_url, defaults_port_and_reads_password_and_db) {
  auto c = parse_redis_url("redis://:s3cr@t@localhost/3");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "localhost");
  EXPECT_EQ(c->port, 6379);
  EXPECT_EQ(c->password, "s3cr@t");
  EXPECT_TRUE(c->username.empty());
  EXPECT_EQ(c->db, 3);
}

TEST(parse_redis_url, acl_user_and_ipv6) {
  auto c = parse_redis_url("redis://app:pw@[::1]:7000/1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "app");
  EXPECT_EQ(c->password, "pw");
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7000);
  EXPECT_EQ(c->db, 1);
}

TEST(parse_redis_url, rejects_malformed_urls) {
  for (const char* bad : {"memory", "http://x:1", "redis://", "redis://h:0", "redis://h:99999",
                          "redis://h:12x", "redis://h/x", "redis://h/-1", "redis://[::1"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace sse::redis
