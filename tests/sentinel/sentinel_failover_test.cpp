// The Redis store on a Sentinel-managed primary: a primary, one replica and three
// sentinels on free loopback ports. Two store instances (two gateway nodes) find the primary
// through the sentinels; the producer acknowledges only what the replica holds
// (--redis-wait-replicas 1). The primary is SIGKILLed during live traffic; the sentinels promote
// the replica; both nodes follow (ask the sentinels, check ROLE, reload scripts, resubscribe,
// re-read). The old primary then comes back, is turned into a replica by the sentinels, and
// acknowledgements resume. What must hold: every acknowledged event delivered exactly once in
// order, SseStoreUnavailable then SseStoreRecovered on both nodes. The timings are printed.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <optional>

#include "core/clock.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis_sentinel.hpp"
#include "redis_session.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"

namespace sse::store::sentinel_test {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using conformance::run_sync;
using conformance::run_until;

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

class sentinel_failover : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_sentinel_setup::available()) {
      FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
    }
    const auto t0 = clock_type::now();
    setup_ = std::make_unique<test::redis_sentinel_setup>();
    std::printf("[timing] primary + replica + %zu sentinels ready in %lld ms\n",
                setup_->sentinel_count(), ms_since(t0));
  }
  void TearDown() override {
    for (auto& s : stores_) {
      s->stop();
    }
    io_.restart();
    io_.poll();
    stores_.clear();
  }

  redis_store& make_node(int wait_replicas, test::availability_log* log) {
    redis_store_options o;
    o.connection.connect_timeout = 500ms;
    o.connection.command_timeout = 2s;
    o.connection.health_interval = 200ms;
    o.connection.health_timeout = 1s;
    o.connection.backoff_min = 20ms;
    o.connection.backoff_max = 200ms;
    o.wait_replicas = wait_replicas;
    o.wait_timeout = 500ms;
    for (std::size_t i = 0; i < setup_->sentinel_count(); ++i) {
      o.sentinels.push_back({"127.0.0.1", setup_->sentinel(i).port()});
    }
    o.sentinel_master = setup_->master_name();
    auto s = std::make_unique<redis_store>(
        store_limits{}, o, std::vector<redis_store::executor_type>{io_.get_executor()},
        test_clock());
    s->set_availability_handler(log->handler());
    s->start();
    if (!run_until(
            io_, [&] { return s->available(); }, 20s)) {
      throw std::runtime_error("sentinel store did not become available");
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

  std::unique_ptr<test::redis_sentinel_setup> setup_;
  net::io_context io_;
  std::vector<std::unique_ptr<redis_store>> stores_;
};

TEST_F(sentinel_failover, primary_killed_replica_promoted_during_live_traffic) {
  test::availability_log producer_log;
  test::availability_log reader_log;
  redis_store& producer = make_node(1, &producer_log);  // --redis-wait-replicas 1
  redis_store& reader = make_node(0, &reader_log);
  const std::uint16_t old_primary = setup_->data(0).port();
  const std::uint16_t new_primary = setup_->data(1).port();
  ASSERT_EQ(producer.sentinel_primary()->port, old_primary);

  const std::string id = "sentinel-stream";
  // The first event, acknowledged by the replica (WAIT 1). On a loaded machine its ack can miss
  // the 500 ms wait once (CI saw it); a refused append is still stored and delivered, which the
  // exactly-once check below allows, so try again, bounded.
  std::optional<seq_t> first;
  for (int attempt = 0; attempt < 10 && !first; ++attempt) {
    if (auto r = append(producer, id, "0")) {
      first = r->last_seq;
    }
  }
  ASSERT_TRUE(first.has_value());
  test::redis_session sub(reader, id, io_);
  ASSERT_TRUE(run_sync(io_, reader.watch(id, &sub.listener)).has_value());
  std::vector<seq_t> acked{*first};
  int refused = 0;
  const auto t0 = clock_type::now();
  long long kill_at = -1;
  long long promoted_at = -1;
  long long restarted_at = -1;
  long long first_ack_after = -1;
  long long last_check = 0;
  for (int i = 1; i < 1'000'000 && ms_since(t0) < 90'000; ++i) {
    if (kill_at < 0 && ms_since(t0) > 500) {
      setup_->data(0).process().kill_and_wait();
      kill_at = ms_since(t0);
    }
    auto r = append(producer, id, std::to_string(i));
    if (r) {
      acked.push_back(r->last_seq);
      if (promoted_at >= 0 && first_ack_after < 0) {
        first_ack_after = ms_since(t0);
      }
    } else {
      ++refused;
    }
    sub.pump();
    if (kill_at >= 0 && promoted_at < 0 && ms_since(t0) - last_check >= 50) {
      last_check = ms_since(t0);
      if (setup_->primary_port() == new_primary) {
        promoted_at = ms_since(t0);
      }
    }
    if (promoted_at >= 0 && restarted_at < 0) {
      // The old primary comes back (empty: no persistence); the sentinels make it a replica of
      // the new one, after which WAIT 1 is satisfied again.
      setup_->data(0).start();
      restarted_at = ms_since(t0);
    }
    if (first_ack_after >= 0 && ms_since(t0) > first_ack_after + 1000) {
      break;
    }
  }
  ASSERT_GE(kill_at, 0);
  ASSERT_GE(promoted_at, 0) << "the sentinels did not promote the replica within 90 s:\n"
                            << setup_->sentinel_events("+");
  ASSERT_GE(first_ack_after, 0) << "no append acknowledged after the failover:\n"
                                << setup_->sentinel_events("+");
  const seq_t last = acked.back();
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        sub.pump();
        return !sub.delivered.empty() && sub.delivered.back() >= last;
      },
      20s));
  test::expect_exactly_once_in_order(sub.delivered, acked);
  ASSERT_TRUE(run_until(
      io_, [&] { return producer.available() && reader.available(); }, 20s));
  EXPECT_TRUE(producer_log.saw_down_then_up()) << "producer: no SseStoreUnavailable/Recovered";
  EXPECT_TRUE(reader_log.saw_down_then_up()) << "reader: no SseStoreUnavailable/Recovered";
  // Both nodes follow whatever the sentinels name now. Usually that is the promoted replica; on
  // a loaded machine the sentinels sometimes fail over a second time, back to the restarted old
  // primary once it has synced as a replica (WAIT 1 kept every acknowledged event on it, which
  // the exactly-once check above proves): legitimate Sentinel behaviour, so not asserted away.
  const std::uint16_t final_primary = setup_->primary_port();
  ASSERT_TRUE(final_primary == new_primary || final_primary == old_primary) << final_primary;
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        const auto p = producer.sentinel_primary();
        const auto r = reader.sentinel_primary();
        return p && r && p->port == final_primary && r->port == final_primary;
      },
      20s))
      << "the nodes did not follow the sentinels to " << final_primary;
  // The sentinels disconnect the promoted node's clients (the harness's too): ask twice.
  std::string role;
  for (int attempt = 0; attempt < 2 && role.empty(); ++attempt) {
    try {
      role = setup_->data(final_primary == new_primary ? 1 : 0).command("ROLE").elements.at(0).str;
    } catch (const std::runtime_error&) {
    }
  }
  EXPECT_EQ(role, "master");
  reader.unwatch(id, &sub.listener);
  std::printf(
      "[timing] primary SIGKILLed at %lld ms; sentinels named the replica after %lld ms; old "
      "primary restarted at %lld ms; first acknowledged append on the new primary (WAIT 1) "
      "%lld ms after the kill; %zu acknowledged, %d refused (503); subscriber re-read %d "
      "times\n",
      kill_at, promoted_at - kill_at, restarted_at, first_ack_after - kill_at, acked.size(),
      refused, sub.rereads);
  std::printf("%s", setup_->sentinel_events("switch-master").c_str());
}

}  // namespace
}  // namespace sse::store::sentinel_test
