// `--store redis-sentinel://...` parsing: sentinels, master name, credentials, db; malformed URLs
// refused.

#include "redis/sentinel/sentinel_url.hpp"

#include <gtest/gtest.h>

namespace sse::redis::sentinel {
namespace {

TEST(sentinel_url, sentinels_and_master_name) {
  auto u = parse_sentinel_url("redis-sentinel://10.0.0.1:26379,10.0.0.2:26380/mymaster");
  ASSERT_TRUE(u.has_value());
  ASSERT_EQ(u->sentinels.size(), 2u);
  EXPECT_EQ(u->sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(u->sentinels[0].port, 26379);
  EXPECT_EQ(u->sentinels[1].host, "10.0.0.2");
  EXPECT_EQ(u->sentinels[1].port, 26380);
  EXPECT_EQ(u->master_name, "mymaster");
  EXPECT_EQ(u->connection.db, 0);
  EXPECT_TRUE(u->connection.password.empty());
}

TEST(sentinel_url, credentials_and_db_for_the_data_nodes) {
  auto u = parse_sentinel_url("redis-sentinel://app:p@ss:w/rd@127.0.0.1:26379/cache/3");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->connection.username, "app");
  EXPECT_EQ(u->connection.password, "p@ss:w/rd");
  EXPECT_EQ(u->master_name, "cache");
  EXPECT_EQ(u->connection.db, 3);
  ASSERT_EQ(u->sentinels.size(), 1u);
  EXPECT_EQ(u->sentinels[0].port, 26379);

  auto p = parse_sentinel_url("redis-sentinel://:secret@h:1/m");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->connection.username.empty());
  EXPECT_EQ(p->connection.password, "secret");
}

TEST(sentinel_url, i_pv6_sentinel_splits_at_the_last_colon) {
  auto u = parse_sentinel_url("redis-sentinel://::1:26379/m");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->sentinels[0].host, "::1");
  EXPECT_EQ(u->sentinels[0].port, 26379);
}

TEST(sentinel_url, malformed_is_refused) {
  for (const char* bad : {
           "redis://127.0.0.1:6379",          // another scheme
           "redis-sentinel://",               // nothing
           "redis-sentinel://h:26379",        // no master name
           "redis-sentinel://h:26379/",       // empty master name
           "redis-sentinel:///m",             // no sentinel
           "redis-sentinel://h/m",            // no port
           "redis-sentinel://h:0/m",          // port 0
           "redis-sentinel://h:70000/m",      // port too large
           "redis-sentinel://h:1,/m",         // trailing comma
           "redis-sentinel://h:1/m/x",        // db not a number
           "redis-sentinel://h:1/m/",         // empty db
           "redis-sentinel://nocolon@h:1/m",  // credentials without ':'
       }) {
    EXPECT_FALSE(parse_sentinel_url(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sse::redis::sentinel
