// The cluster client against a real local cluster (3 masters + 1 replica each, started by the
// harness): commands routed to every slot's master, scripts run where the stream's keys live,
// MOVED and ASK followed during a live slot migration, and a master SIGKILLed with its replica
// promoted. Each scenario prints its timings.

#include "redis/cluster/cluster_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

#include "bounded_wait.hpp"
#include "coro_runner.hpp"
#include "free_port.hpp"
#include "redis/cluster/sharded_subscriber.hpp"
#include "redis/cluster/slot.hpp"
#include "redis_cluster.hpp"

namespace sse::redis::cluster {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

// One cluster per test process (ctest runs each test in its own process).
test::redis_cluster& shared_cluster() {
  static auto* cluster = [] {
    const auto t0 = clock_type::now();
    auto* c = new test::redis_cluster();
    std::printf("[timing] cluster of %zu nodes ready in %lld ms\n", c->size(), ms_since(t0));
    return c;
  }();
  return *cluster;
}

std::vector<node_address> seeds_of(test::redis_cluster& c) {
  std::vector<node_address> out;
  for (auto p : c.ports()) {
    out.push_back({"127.0.0.1", p});
  }
  return out;
}

connection_config test_config() {
  connection_config cfg;
  cfg.connect_timeout = 500ms;
  cfg.command_timeout = 2000ms;
  cfg.health_interval = 200ms;
  cfg.health_timeout = 1000ms;
  cfg.backoff_min = 20ms;
  cfg.backoff_max = 200ms;
  return cfg;
}

const script& counter_script() {
  // Appends to a list and returns its length: enough to see the script ran on the key's node.
  static const script s("return redis.call('RPUSH', KEYS[1], ARGV[1])");
  return s;
}

class cluster_client_live : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_cluster::available()) {
      FAIL() << "redis-server or redis-cli not found: scripts/bootstrap.sh installs them";
    }
    cluster_ = &shared_cluster();
    work_.emplace(net::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
    cluster_options opts;
    opts.max_unavailable_retries = 20;
    opts.retry_delay = 100ms;
    client_ =
        std::make_shared<cluster_client>(io_.get_executor(), seeds_of(*cluster_), test_config(),
                                         std::vector<const script*>{&counter_script()}, opts);
    ASSERT_TRUE(call(client_->connect()).has_value());
  }
  void TearDown() override {
    if (client_) {
      client_->stop();
      client_.reset();
    }
    work_.reset();
    if (thread_.joinable()) {
      // Connections wind down on their own executor; bounded by their stop.
      io_.stop();
      thread_.join();
    }
  }

  // Runs op from a separate caller io_context (as a gateway worker would) to completion.
  template <class T>
  T call(net::awaitable<T> op, std::chrono::milliseconds timeout = 30s) {
    net::io_context caller;
    return ::sse::test::run_sync(caller, std::move(op), timeout);
  }

  result<std::vector<reply>> exec(const std::string& key, std::vector<command> cmds) {
    return call(client_->exec(key_slot(key), std::move(cmds)));
  }

  result<reply> append(const std::string& key, const std::string& value) {
    std::array<std::string_view, 1> keys{key};
    std::array<std::string_view, 1> args{value};
    return call(client_->eval(counter_script(), keys, args));
  }

  // Every value of list key, read straight from the node that owns it now.
  std::vector<std::string> read_list(const std::string& key) {
    auto r = exec(key, {{"LRANGE", key, "0", "-1"}});
    EXPECT_TRUE(r.has_value());
    std::vector<std::string> out;
    if (r && !r->empty()) {
      for (auto& e : r->front().elements) {
        out.push_back(e.str);
      }
    }
    return out;
  }

  test::redis_cluster* cluster_ = nullptr;
  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::thread thread_;
  std::shared_ptr<cluster_client> client_;
};

TEST_F(cluster_client_live, learns_a_map_with_three_masters_covering_every_slot) {
  auto map = call(client_->current_map());
  EXPECT_TRUE(map.covers_all_slots());
  EXPECT_EQ(map.masters().size(), 3u);
  // Replicas show in CLUSTER SLOTS once the masters have heard of them: refresh (bounded).
  const bool replicas_known = sse::test::bounded_wait(
      [&] {
        if (!call(client_->refresh()).has_value()) {
          return false;
        }
        map = call(client_->current_map());
        for (const auto& r : map.ranges()) {
          if (r.replicas.size() != 1) {
            return false;
          }
        }
        return true;
      },
      10s, 100ms);
  EXPECT_TRUE(replicas_known);
  EXPECT_TRUE(sse::test::bounded_wait([&] { return client_->up(); }, 10s));
}

TEST_F(cluster_client_live, key_slots_agree_with_the_server) {
  for (const std::string key : {"foo", "bar", "hello", "sse:state:{chat-42}", "{user1000}.a"}) {
    const auto r = cluster_->node(0).command("CLUSTER", "KEYSLOT", key);
    EXPECT_EQ(r.integer, key_slot(key)) << key;
  }
}

TEST_F(cluster_client_live, routes_keys_of_every_master_and_runs_scripts_there) {
  const auto t0 = clock_type::now();
  std::set<int> owners;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "sse:buffer:{s" + std::to_string(i) + "}";
    auto r = exec(key, {{"SET", key, std::to_string(i)}, {"GET", key}});
    ASSERT_TRUE(r.has_value()) << key;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[1].str, std::to_string(i));
    auto n = append("sse:list:{s" + std::to_string(i) + "}", "x");
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->integer, 1);
    owners.insert(cluster_->master_of_slot(key_slot(key)));
  }
  EXPECT_EQ(owners.size(), 3u);  // the keys spread over every master
  EXPECT_EQ(client_->redirects(), 0u);
  std::printf("[timing] 300 SET+GET and 300 EVALSHA over 3 masters in %lld ms\n", ms_since(t0));
}

TEST_F(cluster_client_live, reloads_scripts_after_script_flush_on_the_owner) {
  const std::string key = "sse:list:{flushed}";
  ASSERT_TRUE(append(key, "a").has_value());
  const int owner = cluster_->master_of_slot(key_slot(key));
  ASSERT_GE(owner, 0);
  ASSERT_FALSE(cluster_->node(owner).command("SCRIPT", "FLUSH").is_error());
  auto r = append(key, "b");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->integer, 2);
}

TEST_F(cluster_client_live, follows_moved_and_ask_during_a_live_slot_migration) {
  const std::string key = "sse:list:{migrating}";
  const std::uint16_t slot = key_slot(key);
  const int from = cluster_->master_of_slot(slot);
  ASSERT_GE(from, 0);
  int to = -1;
  for (std::size_t i = 0; i < cluster_->size(); ++i) {
    const auto role = cluster_->node(i).command("ROLE");
    if (static_cast<int>(i) != from && role.elements.at(0).str == "master") {
      to = static_cast<int>(i);
      break;
    }
  }
  ASSERT_GE(to, 0);
  // Other keys in the same slot, so the migration has batches to move while we append.
  for (int i = 0; i < 200; ++i) {
    const std::string k = "sse:filler:{migrating}:" + std::to_string(i);
    ASSERT_TRUE(exec(k, {{"SET", k, "v"}}).has_value());
  }
  std::atomic<bool> stop{false};
  std::vector<std::string> acked;
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 0; i < 100000 && !stop.load(); ++i) {
      auto r = append(key, std::to_string(i));
      if (r && !r->is_error()) {
        acked.push_back(std::to_string(i));
      } else {
        failures.fetch_add(1);
      }
    }
  });
  std::this_thread::sleep_for(200ms);
  const auto t0 = clock_type::now();
  cluster_->migrate_slot(slot, static_cast<std::size_t>(from), static_cast<std::size_t>(to), 5,
                         10ms);
  const auto migrate_ms = ms_since(t0);
  std::this_thread::sleep_for(300ms);
  stop.store(true);
  writer.join();
  EXPECT_EQ(cluster_->master_of_slot(slot), to);
  const auto stored = read_list(key);
  EXPECT_EQ(stored, acked);  // every acknowledged append exactly once, in order
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(client_->redirects(), 0u);
  std::printf("[timing] slot %u migrated %d -> %d in %lld ms under %zu appends; %llu redirects\n",
              slot, from, to, migrate_ms, acked.size(),
              static_cast<unsigned long long>(client_->redirects()));
}

TEST_F(cluster_client_live, survives_a_master_killed_and_its_replica_promoted) {
  const std::string key = "sse:list:{failover}";
  const std::uint16_t slot = key_slot(key);
  const int victim = cluster_->master_of_slot(slot);
  ASSERT_GE(victim, 0);
  std::atomic<bool> stop{false};
  std::vector<std::string> acked;
  std::atomic<int> failures{0};
  std::thread writer([&] {
    // Acknowledged = the script ran and WAIT saw one replica hold it (--redis-wait-replicas 1).
    for (int i = 0; i < 100000 && !stop.load(); ++i) {
      const std::string v = std::to_string(i);
      auto r = exec(key, {{"EVALSHA", counter_script().sha(), "1", key, v}, {"WAIT", "1", "500"}});
      if (r && r->size() == 2 && !(*r)[0].is_error() && (*r)[1].integer >= 1) {
        acked.push_back(v);
      } else {
        failures.fetch_add(1);
        std::this_thread::sleep_for(50ms);
      }
    }
  });
  std::this_thread::sleep_for(300ms);
  const auto t0 = clock_type::now();
  cluster_->node(static_cast<std::size_t>(victim)).process().kill_and_wait();
  const bool promoted = sse::test::bounded_wait(
      [&] {
        const int owner = cluster_->master_of_slot(slot);
        return owner >= 0 && owner != victim;
      },
      30s, 100ms);
  const auto promote_ms = ms_since(t0);
  ASSERT_TRUE(promoted);
  const bool recovered =
      sse::test::bounded_wait([&] { return append(key, "probe").has_value(); }, 30s, 100ms);
  const auto recover_ms = ms_since(t0);
  stop.store(true);
  writer.join();
  EXPECT_TRUE(recovered);
  EXPECT_GT(acked.size(), 0u);
  const auto stored = read_list(key);
  // Every acknowledged append survived the failover exactly once and in order; an append that
  // failed (the producer saw 503) may or may not be there, but never twice.
  std::set<std::string> seen;
  for (const auto& v : stored) {
    EXPECT_TRUE(seen.insert(v).second) << "duplicate " << v;
  }
  std::size_t at = 0;
  for (const auto& v : stored) {
    if (at < acked.size() && v == acked[at]) {
      ++at;
    }
  }
  EXPECT_EQ(at, acked.size()) << "acknowledged append lost or reordered: " << acked.at(at);
  std::printf(
      "[timing] master %d killed: replica promoted in %lld ms, client writing again after %lld ms; "
      "%zu acknowledged, %d failed (503 to a producer), %zu stored\n",
      victim, promote_ms, recover_ms, acked.size(), failures.load(), stored.size());
}

TEST_F(cluster_client_live, sharded_subscriber_stop_ends_every_loop_at_once_and_join_returns) {
  // Its loops wait on a signal, not a clock: with the map check and the probe due only every
  // 30 s, stop() still ends them (and every link) at once, and join() sees them all returned.
  auto sub = std::make_shared<sharded_subscriber>(client_, test_config(), 30s);
  sub->enable_probe(probe_config{30s, 2s}, "probe:join");
  std::atomic<int> delivered{0};
  sub->set_message_handler([&](std::string_view channel, std::string_view payload) {
    if (channel == "joined" && payload == "hello") {
      delivered.fetch_add(1);
    }
  });
  sub->start();
  ASSERT_TRUE(call(sub->subscribe("joined")).has_value());
  ASSERT_TRUE(exec("joined", {{"SPUBLISH", "joined", "hello"}}).has_value());
  ASSERT_TRUE(test::bounded_wait([&] { return delivered.load() == 1; }, 5s));
  const auto t0 = clock_type::now();
  sub->stop();
  auto joined = [](std::shared_ptr<sharded_subscriber> s) -> net::awaitable<bool> {
    co_await s->join();
    co_return true;
  }(sub);
  EXPECT_TRUE(call(std::move(joined), 10s));
  const long long took = ms_since(t0);
  std::printf("[timing] sharded subscriber joined %lld ms after stop()\n", took);
  EXPECT_LT(took, 1000);
}

TEST(cluster_client_start, stop_ends_the_connect_retries_at_once_and_join_returns) {
  // No cluster needed: a seed where nothing listens. Each attempt gives up after the 50 ms
  // connect timeout, then start() pauses 500 ms before the next one; stop() ends that pause.
  net::io_context io;
  auto work = net::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  connection_config cfg = test_config();
  cfg.connect_timeout = 50ms;
  auto client = std::make_shared<cluster_client>(
      io.get_executor(), std::vector<node_address>{{"127.0.0.1", test::free_port()}}, cfg);
  std::weak_ptr<cluster_client> weak = client;
  client->start();
  std::this_thread::sleep_for(300ms);  // the first attempt failed: it is in its pause
  const auto t0 = clock_type::now();
  client->stop();
  auto joined = [](std::shared_ptr<cluster_client> c) -> net::awaitable<bool> {
    co_await c->join();
    co_return true;
  }(client);
  net::io_context caller;
  EXPECT_TRUE(::sse::test::run_sync(caller, std::move(joined), 10s));
  const long long took = ms_since(t0);
  std::printf("[timing] cluster client's connect loop joined %lld ms after stop()\n", took);
  EXPECT_LT(took, 200);
  // Nothing of it runs any more, so nothing holds the client: it goes with its owner's pointer.
  client.reset();
  EXPECT_TRUE(test::bounded_wait([&] { return weak.expired(); }, 1s));
  work.reset();
  io.stop();
  runner.join();
}

}  // namespace
}  // namespace sse::redis::cluster
