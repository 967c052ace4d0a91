// Stream leases on a real redis-server (relay on several nodes): acquire, refresh,
// expiry, one claimer per expired lease however many nodes sweep, and the relay manager's sweep
// ending a stream whose node died (failed, upstream_lost) exactly once.

#include "store/redis/lease.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <set>
#include <thread>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "coro_runner.hpp"
#include "fake_upstream.hpp"
#include "redis/cluster/slot.hpp"
#include "redis_cluster.hpp"
#include "redis_server.hpp"
#include "relay/manager.hpp"
#include "relay/names.hpp"
#include "store/redis/redis_store.hpp"
#include "stream/sse_parser.hpp"
#include "telemetry/memory_sink.hpp"
#include "telemetry/metrics.hpp"

namespace sse::relay {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using store::lease_refresh;
using store::redis_lease;

/// A node's real lease whose refreshes take `hold` longer to answer (after Redis has answered),
/// as over a slow network: a call's lease keeper is then in a refresh most of the time.
class slow_refresh_lease final : public store::stream_lease {
 public:
  slow_refresh_lease(std::shared_ptr<redis_lease> inner, std::chrono::milliseconds hold)
      : inner_(std::move(inner)), hold_(hold) {}
  net::awaitable<result<bool>> acquire(std::string id) override {
    return inner_->acquire(std::move(id));
  }
  net::awaitable<result<lease_refresh>> refresh(std::string id) override {
    in_refresh_.fetch_add(1);
    auto r = co_await inner_->refresh(std::move(id));
    net::steady_timer t(co_await net::this_coro::executor, hold_);
    (void)co_await t.async_wait(net::as_tuple(net::use_awaitable));
    in_refresh_.fetch_sub(1);
    co_return r;
  }
  net::awaitable<result<void>> release(std::string id) override {
    return inner_->release(std::move(id));
  }
  net::awaitable<result<std::vector<std::string>>> claim_expired(std::size_t max) override {
    return inner_->claim_expired(max);
  }
  std::chrono::milliseconds ttl() const noexcept override { return inner_->ttl(); }
  /// Refreshes begun and not yet answered. Any thread.
  int in_refresh() const noexcept { return in_refresh_.load(); }

 private:
  std::shared_ptr<redis_lease> inner_;
  std::chrono::milliseconds hold_;
  std::atomic<int> in_refresh_{0};
};

class relay_lease : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!::sse::test::redis_server::available()) {
      FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
    }
    ::sse::test::redis_options ro;
    ro.name = "relay-lease";
    redis_ = std::make_unique<::sse::test::redis_server>(ro);
    store::redis_store_options o;
    o.connection.host = redis_->host();
    o.connection.port = redis_->port();
    o.connection.connect_timeout = 1s;
    o.connection.command_timeout = 2s;
    store_ = std::make_unique<store::redis_store>(
        store::store_limits{}, o, std::vector<net::any_io_executor>{io_.get_executor()}, clock_);
    store_->start();
    for (int i = 0; i < 500 && !store_->available(); ++i) {
      io_.run_for(10ms);
    }
    ASSERT_TRUE(store_->available());
  }
  void TearDown() override {
    if (store_) {
      store_->stop();
      io_.restart();
      io_.run_for(100ms);
    }
  }

  template <class T>
  T run(net::awaitable<T> a) {
    return ::sse::test::run_sync(io_, std::move(a));
  }

  /// Waits (bounded) until Redis has expired `key`.
  bool wait_gone(const std::string& key) {
    for (int i = 0; i < 300; ++i) {
      if (redis_->command("EXISTS", key).integer == 0) {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  /// The lease was taken (not held by another node, no store error).
  bool acquired(net::awaitable<result<bool>> a) {
    auto r = run(std::move(a));
    return r && *r;
  }

  std::unique_ptr<redis_lease> node(const std::string& name, std::chrono::milliseconds ttl) {
    return std::make_unique<redis_lease>(store_->commands(), store_->options().prefix, name, ttl);
  }

  long long registry_size(const redis_lease& l) {
    return redis_->command("ZCARD", l.registry_key()).integer;
  }

  core::system_clock clock_;
  net::io_context io_{1};
  std::unique_ptr<::sse::test::redis_server> redis_;
  std::unique_ptr<store::redis_store> store_;
};

TEST_F(relay_lease, acquire_refresh_release_leave_no_key) {
  auto a = node("node-a", 10s);
  auto b = node("node-b", 10s);
  ASSERT_TRUE(acquired(a->acquire("s1")));
  EXPECT_EQ(redis_->command("GET", a->lease_key("s1")).str, a->token());
  EXPECT_GT(redis_->command("PTTL", a->lease_key("s1")).integer, 0);
  EXPECT_EQ(a->lease_key("s1"), "sse:lease:{s1}");  // the stream's own hash slot
  EXPECT_EQ(registry_size(*a), 1);
  // Held by A: nobody else takes it, and B's refresh does not extend it.
  auto taken = run(b->acquire("s1"));
  ASSERT_TRUE(taken);
  EXPECT_FALSE(*taken);
  auto rb = run(b->refresh("s1"));
  ASSERT_TRUE(rb);
  EXPECT_EQ(*rb, lease_refresh::lost);
  auto ra = run(a->refresh("s1"));
  ASSERT_TRUE(ra);
  EXPECT_EQ(*ra, lease_refresh::held);
  // B's release leaves A's lease alone.
  ASSERT_TRUE(run(b->release("s1")));
  EXPECT_EQ(redis_->command("GET", a->lease_key("s1")).str, a->token());
  ASSERT_TRUE(run(a->release("s1")));
  EXPECT_EQ(redis_->command("EXISTS", a->lease_key("s1")).integer, 0);
  EXPECT_EQ(redis_->command("EXISTS", a->registry_key()).integer, 0);
  EXPECT_EQ(redis_->command("DBSIZE").integer, 0);
}

TEST_F(relay_lease, an_expired_lease_is_claimed_once_and_never_refreshed_back) {
  auto a = node("node-a", 300ms);
  auto b = node("node-b", 300ms);
  auto c = node("node-c", 300ms);
  ASSERT_TRUE(acquired(a->acquire("dead")));
  ASSERT_TRUE(wait_gone(a->lease_key("dead")));  // node A "died": no refresh

  auto claimed_b = run(b->claim_expired(16));
  ASSERT_TRUE(claimed_b);
  ASSERT_EQ(claimed_b->size(), 1u);
  EXPECT_EQ(claimed_b->front(), "dead");
  EXPECT_EQ(redis_->command("GET", a->lease_key("dead")).str, b->token());
  // A second sweeper finds it claimed.
  auto claimed_c = run(c->claim_expired(16));
  ASSERT_TRUE(claimed_c);
  EXPECT_TRUE(claimed_c->empty());
  // A late refresh by A does not take it back.
  auto late = run(a->refresh("dead"));
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, lease_refresh::lost);
  EXPECT_EQ(redis_->command("GET", a->lease_key("dead")).str, b->token());
  ASSERT_TRUE(run(b->release("dead")));
  EXPECT_EQ(redis_->command("DBSIZE").integer, 0);
}

TEST_F(relay_lease, a_refresh_after_expiry_is_lost_even_before_any_claim) {
  auto a = node("node-a", 200ms);
  ASSERT_TRUE(acquired(a->acquire("s")));
  ASSERT_TRUE(wait_gone(a->lease_key("s")));
  auto r = run(a->refresh("s"));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, lease_refresh::lost);
  EXPECT_EQ(redis_->command("EXISTS", a->lease_key("s")).integer, 0);
}

TEST_F(relay_lease, a_held_lease_is_not_claimed_and_is_looked_at_again_later) {
  auto a = node("node-a", 60s);
  auto b = node("node-b", 60s);
  ASSERT_TRUE(acquired(a->acquire("alive")));
  // Make it due in the registry although its key lives on (a clock skew, a slow refresh).
  redis_->command("ZADD", a->registry_key(), "0", "alive");
  auto claimed = run(b->claim_expired(16));
  ASSERT_TRUE(claimed);
  EXPECT_TRUE(claimed->empty());
  EXPECT_EQ(redis_->command("GET", a->lease_key("alive")).str, a->token());
  // Moved to about when the lease could expire.
  EXPECT_GT(std::stoll(redis_->command("ZSCORE", a->registry_key(), "alive").str), 0);
}

TEST_F(relay_lease, concurrent_sweepers_claim_each_stream_once) {
  std::vector<std::unique_ptr<redis_lease>> nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.push_back(node("node-" + std::to_string(i), 200ms));
  }
  for (int s = 0; s < 10; ++s) {
    ASSERT_TRUE(acquired(nodes[0]->acquire("s" + std::to_string(s))));
  }
  for (int s = 0; s < 10; ++s) {
    ASSERT_TRUE(wait_gone(nodes[0]->lease_key("s" + std::to_string(s))));
  }
  // Sweepers 1..3 interleave on one io_context (their commands pipeline on one connection).
  std::vector<std::future<result<std::vector<std::string>>>> sweeps;
  for (int i = 1; i < 4; ++i) {
    sweeps.push_back(net::co_spawn(io_, nodes[i]->claim_expired(64), net::use_future));
  }
  ::sse::test::run_until(io_, [&] {
    return std::all_of(sweeps.begin(), sweeps.end(),
                       [](auto& f) { return f.wait_for(0s) == std::future_status::ready; });
  });
  std::multiset<std::string> claimed;
  for (auto& f : sweeps) {
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r);
    claimed.insert(r->begin(), r->end());
  }
  ASSERT_EQ(claimed.size(), 10u);
  for (int s = 0; s < 10; ++s) {
    EXPECT_EQ(claimed.count("s" + std::to_string(s)), 1u);
  }
}

TEST_F(relay_lease, a_registry_entry_without_its_lease_is_claimed) {
  // A node that died between registering a stream and taking its lease.
  auto b = node("node-b", 10s);
  redis_->command("ZADD", b->registry_key(), "0", "orphan");
  auto claimed = run(b->claim_expired(16));
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front(), "orphan");
}

// The relay manager's sweep on a node that did not run the call: the stream of a dead node's
// call gets an upstream_error {"reason":"upstream_lost"} then its end `failed`, once.
TEST_F(relay_lease, manager_sweep_ends_a_dead_nodes_stream_failed_upstream_lost_once) {
  telemetry::memory_sink sink;
  telemetry::metrics metrics;
  ops::context svc{*store_, sink, metrics};
  auto dead = node("node-a", 200ms);

  ASSERT_TRUE(run(store_->create("conv-9", {})));
  store::append_request req;
  req.stream_id = "conv-9";
  req.events.push_back(stream::new_event{"delta", "t0", 1});
  ASSERT_TRUE(run(store_->append(std::move(req))));
  ASSERT_TRUE(acquired(dead->acquire("conv-9")));
  ASSERT_TRUE(wait_gone(dead->lease_key("conv-9")));

  manager_options o;
  o.lease =
      std::make_shared<redis_lease>(store_->commands(), store_->options().prefix, "node-b", 200ms);
  manager b(svc, {}, make_client_tls_context(""), o);
  EXPECT_EQ(run(b.sweep_once()), 1u);
  EXPECT_EQ(run(b.sweep_once()), 0u);  // released, and ended only once

  auto read = run(store_->read_after("conv-9", 0));
  ASSERT_TRUE(read);
  ASSERT_TRUE(read->ended);
  std::vector<stream::parsed_event> events;
  stream::sse_parser p;
  for (const auto& e : read->events) {
    for (auto& pe : p.feed(*e.frame)) {
      events.push_back(std::move(pe));
    }
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "t0");
  EXPECT_EQ(events[1].event, "upstream_error");
  EXPECT_NE(events[1].data.find("\"reason\":\"upstream_lost\""), std::string::npos)
      << events[1].data;
  EXPECT_EQ(events[2].event, "end");
  EXPECT_NE(events[2].data.find("failed"), std::string::npos) << events[2].data;
  std::vector<telemetry::event> errors;
  for (auto& e : sink.snapshot()) {
    if (e.name == names::upstream_error) {
      errors.push_back(std::move(e));
    }
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].stream, "conv-9");
  EXPECT_EQ(errors[0].fields.at("reason").as_string(), "upstream_lost");
  // Lease and registry are gone; only the stream's own keys (with their retention) are left.
  EXPECT_EQ(redis_->command("EXISTS", dead->lease_key("conv-9")).integer, 0);
  EXPECT_EQ(redis_->command("EXISTS", dead->registry_key()).integer, 0);
}

TEST_F(relay_lease, shutdown_returns_after_the_lease_keeper_of_a_call_in_flight) {
  telemetry::memory_sink sink;
  telemetry::metrics metrics;
  ops::context svc{*store_, sink, metrics};
  relay::test::upstream_script script;
  script.tokens = 300;
  script.gap = 20ms;
  relay::test::fake_upstream up(script);
  auto routes = parse_routes(R"({"routes":[{"name":"chat","url":"http://127.0.0.1:)" +
                                 std::to_string(up.port()) + R"(/v1/chat"}]})",
                             [](std::string_view) { return std::string(); });
  ASSERT_TRUE(routes.error.empty()) << routes.error;
  // ttl 3 s: a refresh every second, each answered 600 ms late.
  auto inner =
      std::make_shared<redis_lease>(store_->commands(), store_->options().prefix, "node-a", 3s);
  auto lease = std::make_shared<slow_refresh_lease>(inner, 600ms);
  manager_options o;
  o.lease = lease;
  manager m(svc, std::move(routes.routes), make_client_tls_context(""), o);
  // Shutdown blocks this thread while the call ends on the store's worker: run it elsewhere.
  auto work = net::make_work_guard(io_);
  std::thread worker([this] { io_.run(); });
  const std::string id = "relay.chat.k1";
  auto started = ::sse::test::run_sync_on(io_, m.start("chat", id, "{}", "application/json"));
  ASSERT_TRUE(started && started->created);
  for (int i = 0; i < 300 && lease->in_refresh() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(lease->in_refresh(), 1);
  // The call ends (failed, gateway_shutdown) and releases its lease within milliseconds; its
  // keeper's refresh answers only later, and shutdown() waits for that too.
  EXPECT_EQ(m.shutdown(5s), 0u);
  EXPECT_EQ(lease->in_refresh(), 0);
  EXPECT_EQ(m.running(), 0u);
  EXPECT_EQ(redis_->command("EXISTS", inner->lease_key(id)).integer, 0);
  auto info = ::sse::test::run_sync_on(io_, store_->info(id));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, store::stream_status::failed);
  work.reset();
  io_.stop();
  worker.join();
  io_.restart();
}

TEST_F(relay_lease, manager_sweep_leaves_an_ended_or_deleted_stream_alone) {
  telemetry::memory_sink sink;
  telemetry::metrics metrics;
  ops::context svc{*store_, sink, metrics};
  auto dead = node("node-a", 200ms);
  ASSERT_TRUE(run(store_->create("done", {})));
  ASSERT_TRUE(run(store_->end("done", store::stream_status::completed)));
  ASSERT_TRUE(acquired(dead->acquire("done")));
  ASSERT_TRUE(acquired(dead->acquire("never-created")));
  ASSERT_TRUE(wait_gone(dead->lease_key("done")));
  ASSERT_TRUE(wait_gone(dead->lease_key("never-created")));

  manager_options o;
  o.lease =
      std::make_shared<redis_lease>(store_->commands(), store_->options().prefix, "node-b", 200ms);
  manager b(svc, {}, make_client_tls_context(""), o);
  EXPECT_EQ(run(b.sweep_once()), 0u);
  auto info = run(store_->info("done"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, store::stream_status::completed);
  EXPECT_FALSE(run(store_->info("never-created")));  // not created again by the sweep
  EXPECT_EQ(sink.count(names::upstream_error), 0u);
  EXPECT_EQ(redis_->command("EXISTS", dead->registry_key()).integer, 0);
}

// The same lease on Redis Cluster: every lease key lives in its stream's slot (spread over the
// masters), the registry in its own; acquire, expiry, one claim each, release.
TEST(relay_lease_cluster, leases_spread_over_the_masters_are_claimed_once_and_leave_no_key) {
  if (!::sse::test::redis_cluster::available()) {
    FAIL() << "redis-server or redis-cli not found: scripts/bootstrap.sh installs them";
  }
  ::sse::test::redis_cluster_options co;
  co.replicas_per_master = 0;
  ::sse::test::redis_cluster cluster(co);
  net::io_context io{1};
  core::system_clock clock;
  store::redis_store_options o;
  o.connection.connect_timeout = 500ms;
  o.connection.command_timeout = 2s;
  for (auto p : cluster.ports()) {
    o.cluster_seeds.push_back({"127.0.0.1", p});
  }
  auto st = std::make_unique<store::redis_store>(
      store::store_limits{}, o, std::vector<net::any_io_executor>{io.get_executor()}, clock);
  st->start();
  for (int i = 0; i < 2000 && !st->available(); ++i) {
    io.run_for(10ms);
  }
  ASSERT_TRUE(st->available());
  auto run = [&]<class T>(net::awaitable<T> a) { return ::sse::test::run_sync(io, std::move(a)); };
  redis_lease a(st->commands(), st->options().prefix, "node-a", 300ms);
  redis_lease b(st->commands(), st->options().prefix, "node-b", 300ms);
  std::set<int> masters;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "c" + std::to_string(i);
    auto r = run(a.acquire(id));
    ASSERT_TRUE(r && *r) << id;
    masters.insert(cluster.master_of_slot(redis::cluster::key_slot(a.lease_key(id))));
  }
  EXPECT_GT(masters.size(), 1u);  // the keys really are on several masters
  auto held = run(b.claim_expired(64));
  ASSERT_TRUE(held);
  EXPECT_TRUE(held->empty());
  // Let them expire (a dead node A), bounded.
  std::vector<std::string> claimed;
  for (int round = 0; round < 100 && claimed.size() < 12; ++round) {
    std::this_thread::sleep_for(50ms);
    auto r = run(b.claim_expired(64));
    ASSERT_TRUE(r);
    claimed.insert(claimed.end(), r->begin(), r->end());
  }
  ASSERT_EQ(claimed.size(), 12u);
  auto late = run(a.refresh("c0"));
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, lease_refresh::lost);
  for (const auto& id : claimed) {
    ASSERT_TRUE(run(b.release(id)));
  }
  long long keys = 0;
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    keys += cluster.node(n).command("DBSIZE").integer;
  }
  EXPECT_EQ(keys, 0);
  st->stop();
  io.restart();
  io.run_for(100ms);
}

}  // namespace
}  // namespace sse::relay
