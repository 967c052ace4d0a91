// The slot map from literal CLUSTER SLOTS replies (RESP bytes through the real reply reader), its
// lookups and single-slot moves, and MOVED/ASK parsing.

#include "redis/cluster/slot_map.hpp"

#include <gtest/gtest.h>

#include "redis/reply_reader.hpp"

namespace sse::redis::cluster {
namespace {

reply parse(std::string_view bytes) {
  reply_reader rd;
  rd.feed(bytes);
  auto r = rd.next();
  EXPECT_TRUE(r.has_value());
  EXPECT_TRUE(r.has_value() && r->has_value());
  return std::move(**r);
}

// Three masters (7000, 7001, 7002), one replica each; the middle range's master does not know its
// own address (empty host), as a node answering about itself may say.
constexpr std::string_view three_masters =
    "*3\r\n"
    "*4\r\n:0\r\n:5460\r\n"
    "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$4\r\naaaa\r\n"
    "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$4\r\ndddd\r\n"
    "*4\r\n:5461\r\n:10922\r\n"
    "*3\r\n$0\r\n\r\n:7001\r\n$4\r\nbbbb\r\n"
    "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$4\r\neeee\r\n"
    "*4\r\n:10923\r\n:16383\r\n"
    "*4\r\n$9\r\n127.0.0.1\r\n:7002\r\n$4\r\ncccc\r\n*0\r\n"
    "*3\r\n$9\r\n127.0.0.1\r\n:7005\r\n$4\r\nffff\r\n";

const node_address queried{"10.0.0.9", 7001};

TEST(cluster_slot_map, parses_cluster_slots) {
  auto map = slot_map::from_cluster_slots(parse(three_masters), queried);
  ASSERT_TRUE(map.has_value()) << map.error().message();
  ASSERT_EQ(map->ranges().size(), 3u);
  EXPECT_TRUE(map->covers_all_slots());
  EXPECT_EQ(map->master_of(0)->port, 7000);
  EXPECT_EQ(map->master_of(5460)->port, 7000);
  EXPECT_EQ(map->master_of(5461)->port, 7001);
  EXPECT_EQ(map->master_of(5461)->host, "10.0.0.9");  // empty host: the node we asked
  EXPECT_EQ(map->master_of(16383)->port, 7002);
  ASSERT_EQ(map->ranges()[0].replicas.size(), 1u);
  EXPECT_EQ(map->ranges()[0].replicas[0].port, 7003);
  const auto masters = map->masters();
  ASSERT_EQ(masters.size(), 3u);
}

TEST(cluster_slot_map, a_gap_is_not_covered) {
  auto map = slot_map::from_cluster_slots(
      parse("*1\r\n*3\r\n:0\r\n:99\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n"), queried);
  ASSERT_TRUE(map.has_value());
  EXPECT_FALSE(map->covers_all_slots());
  EXPECT_NE(map->master_of(99), nullptr);
  EXPECT_EQ(map->master_of(100), nullptr);
  EXPECT_EQ(map->master_of(16383), nullptr);
}

TEST(cluster_slot_map, rejects_malformed_replies) {
  EXPECT_FALSE(slot_map::from_cluster_slots(parse("+OK\r\n"), queried).has_value());
  EXPECT_FALSE(slot_map::from_cluster_slots(parse("*1\r\n*2\r\n:0\r\n:1\r\n"), queried));
  // last < first, slot out of range, overlapping ranges
  EXPECT_FALSE(slot_map::from_cluster_slots(
      parse("*1\r\n*3\r\n:9\r\n:1\r\n*2\r\n$1\r\nh\r\n:1\r\n"), queried));
  EXPECT_FALSE(slot_map::from_cluster_slots(
      parse("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n"), queried));
  EXPECT_FALSE(slot_map::from_cluster_slots(parse("*2\r\n*3\r\n:0\r\n:10\r\n*2\r\n$1\r\nh\r\n:1\r\n"
                                                  "*3\r\n:10\r\n:20\r\n*2\r\n$1\r\nh\r\n:2\r\n"),
                                            queried));
}

TEST(cluster_slot_map, move_slot_splits_a_range) {
  auto map = slot_map::from_cluster_slots(parse(three_masters), queried);
  ASSERT_TRUE(map.has_value());
  const node_address other{"127.0.0.1", 7009};
  map->move_slot(100, other);
  EXPECT_EQ(map->master_of(99)->port, 7000);
  EXPECT_EQ(map->master_of(100)->port, 7009);
  EXPECT_EQ(map->master_of(101)->port, 7000);
  map->move_slot(0, other);
  map->move_slot(16383, other);
  EXPECT_EQ(map->master_of(0)->port, 7009);
  EXPECT_EQ(map->master_of(1)->port, 7000);
  EXPECT_EQ(map->master_of(16383)->port, 7009);
  EXPECT_EQ(map->master_of(16382)->port, 7002);
  EXPECT_TRUE(map->covers_all_slots());
  EXPECT_EQ(map->masters().size(), 4u);
}

TEST(cluster_slot_map, parses_moved_and_ask) {
  auto moved = parse_redirect(parse("-MOVED 3999 127.0.0.1:6381\r\n"));
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->type, redirect::kind::moved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->target, (node_address{"127.0.0.1", 6381}));

  auto ask = parse_redirect(parse("-ASK 12182 ::1:7002\r\n"));
  ASSERT_TRUE(ask.has_value());
  EXPECT_EQ(ask->type, redirect::kind::ask);
  EXPECT_EQ(ask->slot, 12182);
  EXPECT_EQ(ask->target.host, "::1");
  EXPECT_EQ(ask->target.port, 7002);

  EXPECT_FALSE(parse_redirect(parse("-ERR MOVED 1 a:1\r\n")));
  EXPECT_FALSE(parse_redirect(parse("-MOVED x 127.0.0.1:1\r\n")));
  EXPECT_FALSE(parse_redirect(parse("-MOVED 16384 127.0.0.1:1\r\n")));
  EXPECT_FALSE(parse_redirect(parse("-MOVED 1 127.0.0.1\r\n")));
  EXPECT_FALSE(parse_redirect(parse("+MOVED 1 127.0.0.1:1\r\n")));
}

TEST(cluster_slot_map, parses_node_addresses) {
  EXPECT_EQ(parse_node_address("h:1"), (node_address{"h", 1}));
  EXPECT_EQ(parse_node_address("127.0.0.1:30001@40001"), (node_address{"127.0.0.1", 30001}));
  EXPECT_FALSE(parse_node_address("h:0"));
  EXPECT_FALSE(parse_node_address("h:65536"));
  EXPECT_FALSE(parse_node_address(":1"));
  EXPECT_FALSE(parse_node_address("h:"));
}

}  // namespace
}  // namespace sse::redis::cluster
