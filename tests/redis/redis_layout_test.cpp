// The Redis key layout seen with real Redis commands (the table in src/store/redis/README.md):
// types, members, scores, TTLs, the tombstone after end, real-time expiry, eviction bookkeeping,
// compression, prefix, and two store instances (two nodes) sharing one Redis.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>

#include "bounded_wait.hpp"
#include "redis_fixture.hpp"
#include "store/redis/keys.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::redis_test {
namespace {

using stream::new_event;

class redis_key_layout : public ::testing::Test {
 protected:
  void SetUp() override { redis().command("FLUSHALL"); }
  void TearDown() override {
    stores_.clear();
    io_.restart();
    io_.poll();
  }

  test::redis_server& redis() { return shared_redis(); }

  redis_store& make(store_limits limits = {},
                    redis_store_options o = test_options(shared_redis())) {
    stores_.push_back(make_started_store(io_, limits, std::move(o)));
    return *stores_.back();
  }

  result<append_result> append(redis_store& s, const std::string& id,
                               std::vector<new_event> events) {
    append_request r;
    r.stream_id = id;
    r.events = std::move(events);
    return run_sync(io_, s.append(std::move(r)));
  }

  redis_layout::stream_keys keys(const std::string& id, const std::string& prefix = "sse:") {
    return redis_layout::make_keys(prefix, id);
  }

  long long pttl(const std::string& key) { return redis().command("PTTL", key).integer; }
  std::string type(const std::string& key) { return redis().command("TYPE", key).str; }

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<redis_store>> stores_;
};

TEST_F(redis_key_layout, open_stream_keys_types_members_and_ttls) {
  store_limits limits;
  limits.ttl = 60s;
  auto& s = make(limits);
  auto a = append(s, "chat:1", {new_event{"delta", "hello", 2}, new_event{"", "world", 0}});
  ASSERT_TRUE(a.has_value());
  const auto k = keys("chat:1");
  EXPECT_EQ(k.state, "sse:state:{chat:1}");
  EXPECT_EQ(k.buffer, "sse:buffer:{chat:1}");
  EXPECT_EQ(k.meta, "sse:meta:{chat:1}");
  EXPECT_EQ(type(k.state), "hash");
  EXPECT_EQ(type(k.buffer), "zset");
  EXPECT_EQ(type(k.meta), "zset");
  EXPECT_EQ(type(k.tomb), "none");

  EXPECT_EQ(redis().command("HGET", k.state, "epoch").str, a->epoch);
  EXPECT_EQ(redis().command("HGET", k.state, "last_seq").str, "2");
  EXPECT_EQ(redis().command("HGET", k.state, "status").str, "open");
  EXPECT_EQ(redis().command("HGET", k.state, "v").str, "2");
  // "delta"+"hello", "world", and the per-event overhead of each
  EXPECT_EQ(redis().command("HGET", k.state, "bytes").str,
            std::to_string(15 + 2 * stream::event_overhead_bytes));

  // buffer: score = seq, member = "<seq>:<record>"
  auto buffer = redis().command("ZRANGE", k.buffer, "0", "-1", "WITHSCORES");
  ASSERT_EQ(buffer.elements.size(), 4u);
  EXPECT_EQ(buffer.elements[0].str.substr(0, 2), "1:");
  EXPECT_EQ(buffer.elements[1].str, "1");
  EXPECT_EQ(buffer.elements[2].str.substr(0, 2), "2:");
  EXPECT_EQ(buffer.elements[3].str, "2");

  // meta: score = priority * 2^40 + seq, member = "<seq>:<size>" (data, type and the
  // per-event overhead), lowest priority first
  auto meta = redis().command("ZRANGE", k.meta, "0", "-1", "WITHSCORES");
  ASSERT_EQ(meta.elements.size(), 4u);
  EXPECT_EQ(meta.elements[0].str, "2:" + std::to_string(5 + stream::event_overhead_bytes));
  EXPECT_EQ(meta.elements[1].str, "2");
  EXPECT_EQ(meta.elements[2].str, "1:" + std::to_string(10 + stream::event_overhead_bytes));
  EXPECT_EQ(meta.elements[3].str, std::to_string(2LL * (1LL << 40) + 1));

  for (const auto& key : {k.state, k.buffer, k.meta}) {
    EXPECT_GT(pttl(key), 0) << key;
    EXPECT_LE(pttl(key), 60'000) << key;
  }
}

TEST_F(redis_key_layout, end_moves_state_to_tombstone_and_every_key_expires_within_retention) {
  store_limits limits;
  limits.ttl = 1h;
  limits.end_retention = 5s;
  auto& s = make(limits);
  ASSERT_TRUE(append(s, "job", {new_event{"", "a", 1}, new_event{"", "b", 0}}).has_value());
  auto e = run_sync(io_, s.end("job", stream_status::failed));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->last_seq, 3u);
  const auto k = keys("job");
  EXPECT_EQ(redis().command("EXISTS", k.state).integer, 0) << "state is removed by end";
  EXPECT_EQ(type(k.tomb), "hash");
  EXPECT_EQ(redis().command("HGET", k.tomb, "status").str, "failed");
  EXPECT_EQ(redis().command("HGET", k.tomb, "last_seq").str, "3");
  for (const auto& key : {k.tomb, k.buffer, k.meta}) {
    EXPECT_GT(pttl(key), 0) << key;
    EXPECT_LE(pttl(key), 5'000) << key << " must expire within the end retention";
  }
  // The end event is buffered but not in meta: it can never be a victim.
  EXPECT_EQ(redis().command("ZCARD", k.buffer).integer, 3);
  EXPECT_EQ(redis().command("ZCARD", k.meta).integer, 2);
  EXPECT_TRUE(
      redis().command("ZRANGEBYSCORE", k.buffer, "3", "3").elements.at(0).str.rfind("3:", 0) == 0);
  // A second end and a read still work from the tombstone.
  auto again = run_sync(io_, s.end("job", stream_status::completed));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->already_ended);
  EXPECT_EQ(again->last_seq, 3u);
  auto r = run_sync(io_, s.read_after("job", 0));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ended);
  EXPECT_EQ(r->events.size(), 3u);
  auto i = run_sync(io_, s.info("job"));
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->status, stream_status::failed);
  EXPECT_LE(i->expires_in, 5s);
}

TEST_F(redis_key_layout, ended_stream_is_gone_after_the_retention_and_no_key_is_left) {
  store_limits limits;
  limits.end_retention = 300ms;
  auto& s = make(limits);
  ASSERT_TRUE(append(s, "short", {new_event{"", "a", 1}}).has_value());
  ASSERT_TRUE(run_sync(io_, s.end("short", stream_status::completed)).has_value());
  ASSERT_TRUE(test::bounded_wait([&] { return redis().command("DBSIZE").integer == 0; }, 10s))
      << "keys left: " << redis().command("KEYS", "*").describe();
  EXPECT_EQ(run_sync(io_, s.read_after("short", 0)).error(), errc::stream_not_found);
}

TEST_F(redis_key_layout, idle_stream_expires_after_its_ttl_and_comes_back_as_a_new_incarnation) {
  store_limits limits;
  limits.ttl = 300ms;
  auto& s = make(limits);
  auto a = append(s, "idle", {new_event{"", "a", 1}});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(test::bounded_wait([&] { return redis().command("DBSIZE").integer == 0; }, 10s));
  EXPECT_EQ(run_sync(io_, s.info("idle")).error(), errc::stream_not_found);
  auto b = append(s, "idle", {new_event{"", "b", 1}});
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->created);
  EXPECT_NE(b->epoch, a->epoch);
  EXPECT_EQ(b->first_seq, 1u);
}

TEST_F(redis_key_layout, leftovers_of_an_expired_incarnation_are_not_replayed) {
  auto& s = make();
  const auto k = keys("stale");
  // The state expired first; a buffer and meta of the old incarnation are still there.
  redis().command("ZADD", k.buffer, "7", std::string("7:\x01\x00\x01\x00old", 10));
  redis().command("ZADD", k.meta, "1099511627783", "7:3");
  auto a = append(s, "stale", {new_event{"", "new", 1}});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->created);
  auto r = run_sync(io_, s.read_after("stale", 0));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(*r->events[0].frame, stream::encode_event(a->epoch, 1, "", "new"));
  EXPECT_EQ(redis().command("ZCARD", k.meta).integer, 1);
}

TEST_F(redis_key_layout, eviction_removes_exactly_the_victims_from_buffer_and_meta) {
  store_limits limits;
  limits.buffer_limit = 3;
  auto& s = make(limits);
  ASSERT_TRUE(
      append(s, "ev", {new_event{"", "p1", 1}, new_event{"", "p0a", 0}, new_event{"", "p2", 2}})
          .has_value());
  auto a = append(s, "ev", {new_event{"", "p0b", 0}, new_event{"", "p3", 3}});
  ASSERT_TRUE(a.has_value());
  // Lowest priority first, oldest first: seq 2 (p0a), then seq 4 (p0b).
  ASSERT_EQ(a->evicted.size(), 2u);
  EXPECT_EQ(a->evicted[0].seq, 2u);
  EXPECT_EQ(a->evicted[0].priority, 0);
  constexpr std::size_t ov = stream::event_overhead_bytes;  // counted per event
  EXPECT_EQ(a->evicted[0].size_bytes, 3u + ov);
  EXPECT_EQ(a->evicted[1].seq, 4u);
  const auto k = keys("ev");
  auto scores = redis().command("ZRANGE", k.buffer, "0", "-1", "WITHSCORES");
  std::vector<std::string> seqs;
  for (std::size_t i = 1; i < scores.elements.size(); i += 2) {
    seqs.push_back(scores.elements[i].str);
  }
  EXPECT_EQ(seqs, (std::vector<std::string>{"1", "3", "5"}));
  auto meta = redis().command("ZRANGE", k.meta, "0", "-1");
  ASSERT_EQ(meta.elements.size(), 3u);
  const std::string two = std::to_string(2 + ov);
  EXPECT_EQ(meta.elements[0].str, "1:" + two);
  EXPECT_EQ(meta.elements[1].str, "3:" + two);
  EXPECT_EQ(meta.elements[2].str, "5:" + two);
  EXPECT_EQ(redis().command("HGET", k.state, "trimmed").str, "2");
  EXPECT_EQ(redis().command("HGET", k.state, "bytes").str, std::to_string(6 + 3 * ov));
}

TEST_F(redis_key_layout, data_above_the_threshold_is_stored_compressed_and_read_back_exactly) {
  auto o = test_options(redis());
  o.compress_min_bytes = 128;
  auto& s = make({}, o);
  std::string big;
  while (big.size() < 8000) {
    big += "{\"choices\":[{\"delta\":{\"content\":\" token\"}}]}\n";
  }
  const std::string small(100, 'y');
  auto a = append(s, "zip", {new_event{"delta", big, 1}, new_event{"", small, 1}});
  ASSERT_TRUE(a.has_value());
  auto members = redis().command("ZRANGE", keys("zip").buffer, "0", "-1");
  ASSERT_EQ(members.elements.size(), 2u);
  EXPECT_LT(members.elements[0].str.size(), big.size() / 4) << "zstd in the gateway";
  EXPECT_NE(members.elements[1].str.find(small), std::string::npos) << "small data stays raw";
  auto r = run_sync(io_, s.read_after("zip", 0));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(*r->events[0].frame, stream::encode_event(a->epoch, 1, "delta", big));
  EXPECT_EQ(r->events[0].size_bytes, 5 + big.size() + stream::event_overhead_bytes);
  EXPECT_EQ(*r->events[1].frame, stream::encode_event(a->epoch, 2, "", small));
  auto c = s.compression();
  EXPECT_EQ(c.bytes_in, big.size() + small.size());
  EXPECT_LT(c.bytes_stored, c.bytes_in / 2);
}

TEST_F(redis_key_layout, prefix_is_configurable) {
  auto o = test_options(redis());
  o.prefix = "tenant7:";
  auto& s = make({}, o);
  ASSERT_TRUE(append(s, "x", {new_event{"", "a", 1}}).has_value());
  EXPECT_EQ(type("tenant7:state:{x}"), "hash");
  EXPECT_EQ(type("tenant7:buffer:{x}"), "zset");
  EXPECT_EQ(redis().command("EXISTS", "sse:state:{x}").integer, 0);
}

TEST_F(redis_key_layout, two_nodes_share_streams_publish_on_one_read_and_watch_on_the_other) {
  auto& node_a = make();
  auto& node_b = make();
  conformance::recording_listener on_b;
  ASSERT_TRUE(run_sync(io_, node_b.watch("shared", &on_b)).has_value());
  conformance::unwatch_guard guard(node_b, "shared", &on_b);
  auto a = append(node_a, "shared", {new_event{"", "one", 1}, new_event{"", "two", 1}});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(run_until(io_, [&] { return on_b.event_count() >= 2; }));
  EXPECT_EQ(on_b.seqs(), (std::vector<seq_t>{1, 2}));
  EXPECT_EQ(*on_b.batches()[0]->events[1].frame, stream::encode_event(a->epoch, 2, "", "two"));
  auto r = run_sync(io_, node_b.read_after("shared", 1));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->epoch, a->epoch);
  ASSERT_TRUE(run_sync(io_, node_b.end("shared", stream_status::completed)).has_value());
  EXPECT_EQ(append(node_a, "shared", {new_event{"", "late", 1}}).error(), errc::stream_ended);
  ASSERT_TRUE(run_until(io_, [&] { return on_b.event_count() >= 3; }));
  EXPECT_TRUE(on_b.batches().back()->events.back().is_end);
}

TEST_F(redis_key_layout,
       a_node_subscribes_once_per_stream_and_unsubscribes_after_the_last_watcher) {
  auto& s = make();
  const std::string channel = keys("fan").channel;
  auto numsub = [&] { return redis().command("PUBSUB", "NUMSUB", channel).elements.at(1).integer; };
  conformance::recording_listener l1;
  conformance::recording_listener l2;
  ASSERT_TRUE(run_sync(io_, s.watch("fan", &l1)).has_value());
  ASSERT_TRUE(run_sync(io_, s.watch("fan", &l2)).has_value());
  EXPECT_EQ(numsub(), 1);
  s.unwatch("fan", &l1);
  io_.poll();
  EXPECT_EQ(numsub(), 1) << "l2 still watches";
  s.unwatch("fan", &l2);
  EXPECT_TRUE(run_until(
      io_, [&] { return numsub() == 0; }, 5s));
  // Watching again subscribes again.
  ASSERT_TRUE(run_sync(io_, s.watch("fan", &l1)).has_value());
  EXPECT_EQ(numsub(), 1);
  s.unwatch("fan", &l1);
}

TEST_F(redis_key_layout, remove_publishes_gone_to_every_node) {
  auto& node_a = make();
  auto& node_b = make();
  conformance::recording_listener on_b;
  ASSERT_TRUE(run_sync(io_, node_b.watch("rm", &on_b)).has_value());
  conformance::unwatch_guard guard(node_b, "rm", &on_b);
  ASSERT_TRUE(append(node_a, "rm", {new_event{"", "a", 1}}).has_value());
  ASSERT_TRUE(run_sync(io_, node_a.remove("rm")).has_value());
  ASSERT_TRUE(run_until(io_, [&] { return !on_b.gone().empty(); }));
  EXPECT_EQ(on_b.gone(), std::vector<std::string>{"rm"});
  EXPECT_EQ(redis().command("DBSIZE").integer, 0);
}

}  // namespace
}  // namespace sse::store::redis_test
