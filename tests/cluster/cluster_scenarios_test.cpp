// Cluster scenarios on the Redis store with two store instances (two gateway nodes) on a real
// 3+3 cluster: streams spread over every master with publish on one node and live delivery and
// resume on the other; a slot migration (SETSLOT MIGRATING/IMPORTING + MIGRATE) and a SIGKILLed
// master with its replica promoted, both during live traffic. A subscriber here behaves like the
// gateway's SSE session: it takes live batches, de-duplicates by seq, and on a resync (or a hole)
// re-reads from its last delivered seq. What must hold: every acknowledged event delivered
// exactly once, in order. Each scenario prints its timings.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <set>

#include "bounded_wait.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "redis/cluster/slot.hpp"
#include "redis_cluster.hpp"
#include "redis_proxy.hpp"
#include "redis_session.hpp"
#include "store/redis/keys.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"

namespace sse::store::cluster_test {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using conformance::recording_listener;
using conformance::run_sync;
using conformance::run_until;

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

class cluster_scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_cluster::available()) {
      FAIL() << "redis-server or redis-cli not found: scripts/bootstrap.sh installs them";
    }
    const auto t0 = clock_type::now();
    cluster_ = std::make_unique<test::redis_cluster>();
    std::printf("[timing] cluster of %zu nodes ready in %lld ms\n", cluster_->size(), ms_since(t0));
  }
  void TearDown() override {
    for (auto& s : stores_) {
      s->stop();
    }
    io_.restart();
    io_.poll();
    stores_.clear();
  }

  /// log, when given, records the node's availability transitions from its start on.
  redis_store& make_node(int wait_replicas = 0, test::availability_log* log = nullptr,
                         redis::probe_config probe = {}) {
    redis_store_options o;
    o.connection.connect_timeout = 500ms;
    o.connection.command_timeout = 2s;
    o.connection.health_interval = 200ms;
    o.connection.health_timeout = 1s;
    o.connection.backoff_min = 20ms;
    o.connection.backoff_max = 200ms;
    o.wait_replicas = wait_replicas;
    o.wait_timeout = 500ms;
    o.probe = probe;
    for (auto p : cluster_->ports()) {
      o.cluster_seeds.push_back({"127.0.0.1", p});
    }
    store_limits limits;
    limits.buffer_limit = 100000;
    limits.buffer_max_bytes = 64 << 20;
    auto s = std::make_unique<redis_store>(
        limits, o, std::vector<redis_store::executor_type>{io_.get_executor()}, test_clock());
    if (log != nullptr) {
      s->set_availability_handler(log->handler());
    }
    s->start();
    if (!run_until(
            io_, [&] { return s->available(); }, 20s)) {
      throw std::runtime_error("cluster store did not become available");
    }
    stores_.push_back(std::move(s));
    return *stores_.back();
  }

  result<append_result> append(redis_store& s, const std::string& id, const std::string& data) {
    append_request r;
    r.stream_id = id;
    r.events.push_back(stream::new_event{"", data, 1});
    return run_sync(io_, s.append(std::move(r)), 20s);
  }

  /// append() on a link through a proxy that just swapped its server side: a reply in flight
  /// then may be lost, and the link that misses it drops, so the append fails outcome_unknown
  /// (it may have run) or, while the link reconnects, store_unavailable. Those are retried
  /// (bounded); any other error, such as a reply that is not the append's own, is returned.
  result<append_result> append_after_swap(redis_store& s, const std::string& id,
                                          const std::string& data) {
    for (int attempt = 1;; ++attempt) {
      auto a = append(s, id, data);
      if (a || attempt == 5 ||
          (a.error() != errc::outcome_unknown && a.error() != errc::store_unavailable)) {
        return a;
      }
      (void)run_until(
          io_, [] { return false; }, 100ms);
    }
  }

  /// PUBSUB SHARDNUMSUB channel on node i.
  long long shard_numsub(std::size_t i, const std::string& channel) {
    const auto r = cluster_->node(i).command("PUBSUB", "SHARDNUMSUB", channel);
    return r.elements.size() == 2 ? r.elements[1].integer : -1;
  }

  int master_other_than(int node) {
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      const auto role = cluster_->node(i).command("ROLE");
      if (static_cast<int>(i) != node && role.elements.at(0).str == "master") {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  std::unique_ptr<test::redis_cluster> cluster_;
  net::io_context io_;
  std::vector<std::unique_ptr<redis_store>> stores_;
};

using session = test::redis_session;
using test::expect_exactly_once_in_order;

TEST_F(cluster_scenario, streams_on_every_master_publish_on_one_node_read_on_another) {
  redis_store& producer = make_node();
  redis_store& reader = make_node();
  const auto t0 = clock_type::now();
  std::set<int> masters;
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    ids.push_back("spread-" + std::to_string(i));
    masters.insert(cluster_->master_of_slot(redis::cluster::key_slot(ids.back())));
  }
  EXPECT_EQ(masters.size(), 3u);
  std::vector<std::unique_ptr<session>> sessions;
  for (const auto& id : ids) {
    ASSERT_TRUE(append(producer, id, "first").has_value());
    sessions.push_back(std::make_unique<session>(reader, id, io_));
    ASSERT_TRUE(run_sync(io_, reader.watch(id, &sessions.back()->listener)).has_value());
  }
  for (int round = 0; round < 5; ++round) {
    for (const auto& id : ids) {
      ASSERT_TRUE(append(producer, id, "r" + std::to_string(round)).has_value());
    }
  }
  // Live: every stream's 5 appends after the watch reach the other node (seqs 2..6).
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        for (auto& s : sessions) {
          if (s->listener.event_count() < 5) {
            return false;
          }
        }
        return true;
      },
      20s));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(sessions[i]->listener.seqs(), (std::vector<seq_t>{2, 3, 4, 5, 6})) << ids[i];
    // Resume on the other node from the middle.
    auto r = run_sync(io_, reader.read_after(ids[i], 3), 20s);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->events.size(), 3u);
    EXPECT_EQ(r->events.front().seq, 4u);
    reader.unwatch(ids[i], &sessions[i]->listener);
  }
  std::printf(
      "[timing] 60 streams on 3 masters: 360 appends, live on the other node, resume: "
      "%lld ms\n",
      ms_since(t0));
}

TEST_F(cluster_scenario, sunsubscribe_when_the_last_local_listener_leaves) {
  redis_store& producer = make_node();
  redis_store& reader = make_node();
  const std::string id = "leaving";
  const std::string channel = redis_layout::make_keys("sse:", id).channel;
  const int owner = cluster_->master_of_slot(redis::cluster::key_slot(id));
  ASSERT_GE(owner, 0);
  const auto node = static_cast<std::size_t>(owner);
  ASSERT_TRUE(append(producer, id, "0").has_value());
  conformance::recording_listener l1;
  conformance::recording_listener l2;
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &l1)).has_value());
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &l2)).has_value());
  EXPECT_EQ(shard_numsub(node, channel), 1);
  reader.unwatch(id, &l1);
  io_.poll();
  ASSERT_TRUE(append(producer, id, "1").has_value());
  ASSERT_TRUE(run_until(
      io_, [&] { return l2.event_count() == 1; }, 10s));
  EXPECT_EQ(shard_numsub(node, channel), 1) << "l2 still watches";
  reader.unwatch(id, &l2);
  EXPECT_TRUE(run_until(
      io_, [&] { return shard_numsub(node, channel) == 0; }, 10s))
      << "SUNSUBSCRIBE not sent after the last listener left";
  // Our own SUNSUBSCRIBE's answer is not mistaken for a slot move, and watching again works.
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &l1)).has_value());
  EXPECT_EQ(shard_numsub(node, channel), 1);
  ASSERT_TRUE(append(producer, id, "2").has_value());
  ASSERT_TRUE(run_until(
      io_, [&] { return l1.event_count() == 1; }, 10s));
  EXPECT_EQ(l1.seqs(), (std::vector<seq_t>{3}));
  reader.unwatch(id, &l1);
  EXPECT_TRUE(run_until(
      io_, [&] { return shard_numsub(node, channel) == 0; }, 10s));
  // Many streams over every master: all unsubscribed once their listeners leave.
  std::vector<std::string> ids;
  std::vector<std::unique_ptr<conformance::recording_listener>> ls;
  for (int i = 0; i < 30; ++i) {
    ids.push_back("leaving-" + std::to_string(i));
    ls.push_back(std::make_unique<conformance::recording_listener>());
    ASSERT_TRUE(run_sync(io_, reader.watch(ids.back(), ls.back().get())).has_value());
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    reader.unwatch(ids[i], ls[i].get());
  }
  EXPECT_TRUE(run_until(
      io_,
      [&] {
        for (const auto& other : ids) {
          const auto ch = redis_layout::make_keys("sse:", other).channel;
          const int o = cluster_->master_of_slot(redis::cluster::key_slot(other));
          if (o < 0 || shard_numsub(static_cast<std::size_t>(o), ch) != 0) {
            return false;
          }
        }
        return true;
      },
      10s));
  EXPECT_EQ(reader.probe_failures(), 0u);
}

TEST_F(cluster_scenario, probe_runs_on_every_shard_link_and_comes_back) {
  redis_store& producer = make_node();
  redis_store& reader = make_node(0, nullptr, redis::probe_config{100ms, 1s});
  std::vector<std::string> ids;
  std::set<int> masters;
  std::vector<std::unique_ptr<conformance::recording_listener>> ls;
  for (int i = 0; i < 30; ++i) {
    ids.push_back("probed-" + std::to_string(i));
    masters.insert(cluster_->master_of_slot(redis::cluster::key_slot(ids.back())));
    ls.push_back(std::make_unique<conformance::recording_listener>());
    ASSERT_TRUE(run_sync(io_, reader.watch(ids.back(), ls.back().get())).has_value());
  }
  ASSERT_EQ(masters.size(), 3u);
  // Three links, a probe each per round: several rounds come back.
  ASSERT_TRUE(run_until(
      io_, [&] { return reader.probes_ok() >= 9; }, 20s));
  EXPECT_EQ(reader.probe_failures(), 0u);
  // Each link's probe channel hashes to a slot of its own master: one probe channel per master
  // (SPUBLISH on it stays in that shard).
  for (int m : masters) {
    const auto r =
        cluster_->node(static_cast<std::size_t>(m)).command("PUBSUB", "SHARDCHANNELS", "*probe:*");
    EXPECT_EQ(r.elements.size(), 1u) << "master " << m << ": " << r.describe();
  }
  // Events still flow (probe messages are not handed to listeners).
  ASSERT_TRUE(append(producer, ids[0], "x").has_value());
  ASSERT_TRUE(run_until(
      io_, [&] { return ls[0]->event_count() == 1; }, 10s));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    reader.unwatch(ids[i], ls[i].get());
  }
}

TEST_F(cluster_scenario, probe_notices_a_silently_lost_shard_subscription_and_repairs_it) {
  // The stream's master announces a loopback proxy as its client port (cluster-announce-port),
  // so every link to it goes through the proxy; swapping the proxy's server side drops the
  // SSUBSCRIBE state while the links (and PING) stay up: only the probe can notice.
  const std::string id = "silently-lost";
  const std::string channel = redis_layout::make_keys("sse:", id).channel;
  const std::uint16_t slot = redis::cluster::key_slot(id);
  const int owner = cluster_->master_of_slot(slot);
  ASSERT_GE(owner, 0);
  const auto node = static_cast<std::size_t>(owner);
  test::redis_proxy proxy(cluster_->node(node).port());
  ASSERT_FALSE(cluster_->node(node)
                   .command("CONFIG", "SET", "cluster-announce-port", std::to_string(proxy.port()))
                   .is_error());
  auto announced_everywhere = [&] {
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      const auto slots = cluster_->node(i).command("CLUSTER", "SLOTS");
      bool found = false;
      for (const auto& range : slots.elements) {
        if (range.elements.size() >= 3 && range.elements[0].integer <= slot &&
            slot <= range.elements[1].integer) {
          found = range.elements[2].elements.at(1).integer == proxy.port();
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(test::bounded_wait(announced_everywhere, 15s)) << "the new port was not gossiped";

  test::availability_log log;
  redis_store& producer = make_node();
  redis_store& reader = make_node(0, &log, redis::probe_config{200ms, 1s});
  ASSERT_TRUE(append(producer, id, "0").has_value());
  session sub(reader, id, io_);
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &sub.listener)).has_value());
  std::vector<seq_t> acked{1};
  ASSERT_TRUE(run_until(
      io_, [&] { return reader.probes_ok() >= 2; }, 10s));
  EXPECT_EQ(shard_numsub(node, channel), 1);
  ASSERT_GE(proxy.sessions(), 2u) << "the links do not go through the proxy";

  const auto t0 = clock_type::now();
  proxy.swap_upstreams();
  EXPECT_EQ(shard_numsub(node, channel), 0) << "the loss is not silent";
  for (int i = 1; i <= 5; ++i) {
    auto a = append_after_swap(producer, id, std::to_string(i));
    ASSERT_TRUE(a.has_value()) << a.error().message();
    acked.push_back(a->last_seq);
  }
  long long unready_at = -1;
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        if (unready_at < 0 && !reader.available()) {
          unready_at = ms_since(t0);
        }
        return reader.probe_failures() >= 1 && unready_at >= 0 && reader.available();
      },
      15s))
      << "probe failures " << reader.probe_failures();
  const long long ready_at = ms_since(t0);
  EXPECT_TRUE(log.saw_down_then_up()) << "no SseStoreUnavailable then SseStoreRecovered";
  EXPECT_TRUE(run_until(
      io_, [&] { return shard_numsub(node, channel) == 1; }, 10s))
      << "not resubscribed";
  for (int i = 6; i <= 10; ++i) {
    auto a = append(producer, id, std::to_string(i));
    ASSERT_TRUE(a.has_value()) << a.error().message();
    acked.push_back(a->last_seq);
  }
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        sub.pump();
        return !sub.delivered.empty() && sub.delivered.back() >= acked.back();
      },
      15s));
  expect_exactly_once_in_order(sub.delivered, acked);
  reader.unwatch(id, &sub.listener);
  std::printf(
      "[timing] shard %d's server side swapped at 0 ms; reader not ready at %lld ms, ready "
      "again at %lld ms (probe every 200 ms, timeout 1 s); %zu acknowledged, re-read %d times\n",
      owner, unready_at, ready_at, acked.size(), sub.rereads);
}

// Appends on one node while the other watches, for `duration` or until stop(); returns the
// acknowledged seqs. The io_context is shared, so the harness's action runs between appends.
struct traffic {
  std::vector<seq_t> acked;
  int failures = 0;
};

TEST_F(cluster_scenario, slot_migration_during_live_traffic_delivers_exactly_once_in_order) {
  redis_store& producer = make_node();
  redis_store& reader = make_node();
  const std::string id = "migrating-stream";
  const std::uint16_t slot = redis::cluster::key_slot(id);
  const int from = cluster_->master_of_slot(slot);
  const int to = master_other_than(from);
  ASSERT_GE(from, 0);
  ASSERT_GE(to, 0);
  ASSERT_TRUE(append(producer, id, "0").has_value());
  session sub(reader, id, io_);
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &sub.listener)).has_value());
  traffic t;
  t.acked.push_back(1);
  // The migration runs on its own thread (blocking harness calls); appends go on meanwhile.
  std::atomic<bool> migrated{false};
  long long migrate_ms = 0;
  std::thread mover([&] {
    std::this_thread::sleep_for(300ms);
    const auto t0 = clock_type::now();
    cluster_->migrate_slot(slot, static_cast<std::size_t>(from), static_cast<std::size_t>(to), 1,
                           20ms);
    migrate_ms = ms_since(t0);
    migrated.store(true);
  });
  const auto t0 = clock_type::now();
  for (int i = 1; i < 100000 && (!migrated.load() || ms_since(t0) < 1500 + migrate_ms); ++i) {
    auto r = append(producer, id, std::to_string(i));
    if (r) {
      t.acked.push_back(r->last_seq);
    } else {
      ++t.failures;
    }
    sub.pump();
    if (ms_since(t0) > 60000) {
      break;
    }
  }
  mover.join();
  ASSERT_TRUE(migrated.load());
  EXPECT_EQ(cluster_->master_of_slot(slot), to);
  const seq_t last = t.acked.back();
  run_until(
      io_,
      [&] {
        sub.pump();
        return !sub.delivered.empty() && sub.delivered.back() >= last;
      },
      20s);
  expect_exactly_once_in_order(sub.delivered, t.acked);
  EXPECT_EQ(t.failures, 0);
  // The subscription moved with the slot: on the new owner, and gone from the old one.
  const std::string channel = redis_layout::make_keys("sse:", id).channel;
  EXPECT_TRUE(run_until(
      io_, [&] { return shard_numsub(static_cast<std::size_t>(to), channel) == 1; }, 10s));
  EXPECT_EQ(shard_numsub(static_cast<std::size_t>(from), channel), 0);
  reader.unwatch(id, &sub.listener);
  std::printf(
      "[timing] slot %u migrated %d -> %d in %lld ms during %zu acknowledged appends "
      "(%d failed); subscriber re-read %d times, resyncs %zu\n",
      slot, from, to, migrate_ms, t.acked.size(), t.failures, sub.rereads, sub.listener.resyncs());
}

TEST_F(cluster_scenario, master_killed_replica_promoted_during_live_traffic) {
  test::availability_log producer_log;
  test::availability_log reader_log;
  redis_store& producer = make_node(1, &producer_log);  // --redis-wait-replicas 1
  redis_store& reader = make_node(0, &reader_log);
  const std::string id = "failover-stream";
  const std::uint16_t slot = redis::cluster::key_slot(id);
  const int victim = cluster_->master_of_slot(slot);
  ASSERT_GE(victim, 0);
  ASSERT_TRUE(append(producer, id, "0").has_value());
  session sub(reader, id, io_);
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &sub.listener)).has_value());
  traffic t;
  t.acked.push_back(1);
  const auto t0 = clock_type::now();
  long long kill_at = -1;
  long long promoted_at = -1;
  long long restarted_at = -1;
  long long first_ack_after = -1;
  int owner_after = -1;
  for (int i = 1; i < 100000 && ms_since(t0) < 90000; ++i) {
    if (kill_at < 0 && ms_since(t0) > 500) {
      cluster_->node(static_cast<std::size_t>(victim)).process().kill_and_wait();
      kill_at = ms_since(t0);
    }
    auto r = append(producer, id, std::to_string(i));
    if (r) {
      t.acked.push_back(r->last_seq);
      if (kill_at >= 0 && promoted_at >= 0 && first_ack_after < 0) {
        first_ack_after = ms_since(t0);
      }
    } else {
      ++t.failures;
    }
    if (kill_at >= 0 && promoted_at < 0) {
      const int owner = cluster_->master_of_slot(slot);
      if (owner >= 0 && owner != victim) {
        promoted_at = ms_since(t0);
        owner_after = owner;
      }
    }
    sub.pump();
    if (promoted_at >= 0 && restarted_at < 0) {
      // The promoted master has no replica, so WAIT 1 refuses appends (503) until the killed
      // master comes back (empty: no persistence), rejoins as the new master's replica and
      // syncs. The store must then write to the new master.
      cluster_->node(static_cast<std::size_t>(victim)).start();
      restarted_at = ms_since(t0);
    }
    if (first_ack_after >= 0 && ms_since(t0) > first_ack_after + 1000) {
      break;
    }
  }
  ASSERT_GE(promoted_at, 0) << "replica not promoted within 90 s";
  ASSERT_GE(first_ack_after, 0) << "no append acknowledged after the promotion (old master "
                                   "restarted at "
                                << restarted_at << " ms)";
  // The acknowledged appends after the promotion are on the promoted master: it still owns the
  // slot and holds the last acknowledged seq in the stream's buffer.
  EXPECT_EQ(cluster_->master_of_slot(slot), owner_after);
  const auto keys = redis_layout::make_keys("sse:", id);
  const auto last_acked = std::to_string(t.acked.back());
  const auto on_new_master = cluster_->node(static_cast<std::size_t>(owner_after))
                                 .command("ZRANGEBYSCORE", keys.buffer, last_acked, last_acked);
  EXPECT_EQ(on_new_master.elements.size(), 1u)
      << "seq " << last_acked << " not in " << keys.buffer << " on the promoted master "
      << owner_after << ": " << on_new_master.describe();
  const seq_t last = t.acked.back();
  run_until(
      io_,
      [&] {
        sub.pump();
        return !sub.delivered.empty() && sub.delivered.back() >= last;
      },
      20s);
  expect_exactly_once_in_order(sub.delivered, t.acked);
  // SseStoreUnavailable then SseStoreRecovered on both nodes: the producer's command link and
  // the reader's sharded subscription to the killed master went down, and came back once the
  // slot's new master was found.
  ASSERT_TRUE(run_until(
      io_, [&] { return producer.available() && reader.available(); }, 20s));
  const auto recovered_at = ms_since(t0);
  EXPECT_TRUE(producer_log.saw_down_then_up()) << "producer: no SseStoreUnavailable/Recovered";
  EXPECT_TRUE(reader_log.saw_down_then_up()) << "reader: no SseStoreUnavailable/Recovered";
  reader.unwatch(id, &sub.listener);
  std::printf("[timing] both nodes available again by %lld ms\n", recovered_at);
  std::printf(
      "[timing] master %d SIGKILLed at %lld ms, replica %d promoted after %lld ms; old master "
      "restarted at %lld ms; first acknowledged append on the new master (WAIT 1) %lld ms after "
      "the kill; %zu acknowledged, %d refused (503); subscriber re-read %d times\n",
      victim, kill_at, owner_after, promoted_at - kill_at, restarted_at, first_ack_after - kill_at,
      t.acked.size(), t.failures, sub.rereads);
}

}  // namespace
}  // namespace sse::store::cluster_test
