// Key slots against the vectors of the Redis Cluster specification and values Redis itself
// answers (CLUSTER KEYSLOT), so routing agrees with the server without asking it.

#include "redis/cluster/slot.hpp"

#include <gtest/gtest.h>

namespace sse::redis::cluster {
namespace {

TEST(cluster_slot, crc16_matches_the_specification_vector) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
}

TEST(cluster_slot, key_slot_matches_redis_keyslot) {
  // Values from `redis-cli CLUSTER KEYSLOT <key>` on Redis 7.0.
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("hello"), 866);
  EXPECT_EQ(key_slot("123456789"), 0x31C3 % 16384);
}

TEST(cluster_slot, hash_tags_put_related_keys_in_one_slot) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  // The store's layout: every key of a stream shares the stream's slot.
  EXPECT_EQ(key_slot("sse:state:{chat-42}"), key_slot("sse:buffer:{chat-42}"));
  EXPECT_EQ(key_slot("sse:meta:{chat-42}"), key_slot("chat-42"));
}

TEST(cluster_slot, hash_tag_rules_of_the_specification) {
  EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");      // first {...} only
  EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");  // empty tag: whole key
  EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");     // up to the first '}'
  EXPECT_EQ(hash_tag("foo{bar"), "foo{bar");        // no closing brace
  EXPECT_EQ(hash_tag("plain"), "plain");
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") % 16384);
}

TEST(cluster_slot, slots_stay_in_range) {
  for (int i = 0; i < 5000; ++i) {
    EXPECT_LT(key_slot("stream-" + std::to_string(i)), slot_count);
  }
}

}  // namespace
}  // namespace sse::redis::cluster
