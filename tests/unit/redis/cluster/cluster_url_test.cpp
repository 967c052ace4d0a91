// `--store redis-cluster://...`: the seed list parser of the cluster client and the config's
// validation agree on what is accepted.

#include "redis/cluster/cluster_url.hpp"

#include <gtest/gtest.h>

#include "config/values.hpp"

namespace sse::redis::cluster {
namespace {

TEST(cluster_url, parses_seeds_and_credentials) {
  auto u = parse_cluster_url("redis-cluster://127.0.0.1:7000,127.0.0.1:7001,h:7002");
  ASSERT_TRUE(u.has_value());
  ASSERT_EQ(u->seeds.size(), 3u);
  EXPECT_EQ(u->seeds[0], (node_address{"127.0.0.1", 7000}));
  EXPECT_EQ(u->seeds[2], (node_address{"h", 7002}));
  EXPECT_TRUE(u->connection.password.empty());

  auto p = parse_cluster_url("redis-cluster://user:p@ss@h:1");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->connection.username, "user");
  EXPECT_EQ(p->connection.password, "p@ss");
  ASSERT_EQ(p->seeds.size(), 1u);
  EXPECT_EQ(p->seeds[0], (node_address{"h", 1}));
}

TEST(cluster_url, rejects_malformed_urls) {
  for (const char* bad :
       {"", "redis://h:1", "redis-cluster://", "redis-cluster://h", "redis-cluster://h:0",
        "redis-cluster://h:1,", "redis-cluster://h:1,,h:2", "redis-cluster://h:1/0",
        "redis-cluster://h:x", "redis-cluster://pw@h:1"}) {
    EXPECT_FALSE(parse_cluster_url(bad).has_value()) << bad;
  }
}

TEST(cluster_url, config_validation_accepts_the_same_urls) {
  for (const char* good : {"redis-cluster://127.0.0.1:7000", "redis-cluster://a:1,b:2,c:3",
                           "redis-cluster://:secret@a:1,b:2"}) {
    EXPECT_TRUE(config::validate_store(good)) << good;
    EXPECT_TRUE(parse_cluster_url(good).has_value()) << good;
  }
  for (const char* bad : {"redis-cluster://", "redis-cluster://h", "redis-cluster://h:0",
                          "redis-cluster://h:1,", "redis-cluster://h:1/0"}) {
    EXPECT_FALSE(config::validate_store(bad)) << bad;
  }
}

}  // namespace
}  // namespace sse::redis::cluster
