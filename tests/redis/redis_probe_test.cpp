// The pub/sub liveness probe on one Redis, behind a loopback proxy that silently replaces the
// server side of every connection (what a proxy or a VIP in front of a failed-over primary
// does): the subscription connection stays open and PING still answers, but its SUBSCRIBE state
// is gone. Without the probe the node would stay ready and never deliver again; with it the node
// reports not ready, reconnects, resubscribes and re-reads: no acknowledged event is lost.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "redis_fixture.hpp"
#include "redis_proxy.hpp"
#include "redis_session.hpp"
#include "store/redis/keys.hpp"

namespace sse::store::redis_test {
namespace {

using clock_type = std::chrono::steady_clock;

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

class redis_probe : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_server::available()) {
      FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
    }
    test::redis_options o;
    o.name = "redis-probe";
    server_ = std::make_unique<test::redis_server>(o);
    proxy_ = std::make_unique<test::redis_proxy>(server_->port());
  }
  void TearDown() override {
    if (store_) {
      store_->stop();
    }
    io_.restart();
    io_.poll();
    store_.reset();
  }

  redis_store& start_store(redis::probe_config probe) {
    redis_store_options o = test_options(*server_);
    o.connection.port = proxy_->port();
    // PING every 200 ms, as in the other live tests: it keeps answering through the proxy.
    o.probe = probe;
    store_ = std::make_unique<redis_store>(
        store_limits{}, o, std::vector<redis_store::executor_type>{io_.get_executor()},
        test_clock());
    store_->set_availability_handler(log_.handler());
    store_->start();
    if (!run_until(io_, [&] { return store_->available(); })) {
      throw std::runtime_error("store did not become available");
    }
    return *store_;
  }

  result<append_result> append(const std::string& id, std::string data) {
    append_request r;
    r.stream_id = id;
    r.events = {stream::new_event{"", std::move(data), 1}};
    return run_sync(io_, store_->append(std::move(r)));
  }

  long long numsub(const std::string& channel) {
    return server_->command("PUBSUB", "NUMSUB", channel).elements.at(1).integer;
  }

  boost::asio::io_context io_;
  std::unique_ptr<test::redis_server> server_;
  std::unique_ptr<test::redis_proxy> proxy_;
  std::unique_ptr<redis_store> store_;
  test::availability_log log_;
};

TEST_F(redis_probe, silently_lost_subscription_is_noticed_reported_and_repaired_without_loss) {
  auto& s = start_store(redis::probe_config{200ms, 500ms});
  const std::string id = "probed";
  const std::string channel = redis_layout::make_keys("sse:", id).channel;
  ASSERT_TRUE(append(id, "0").has_value());
  test::redis_session sub(s, id, io_);
  ASSERT_TRUE(run_sync(io_, s.watch(id, &sub.listener)).has_value());
  conformance::unwatch_guard guard(s, id, &sub.listener);
  std::vector<seq_t> acked{1};
  ASSERT_TRUE(run_until(io_, [&] { return s.probes_ok() >= 2; })) << "the probe never came back";
  EXPECT_EQ(s.probe_failures(), 0u);
  EXPECT_EQ(numsub(channel), 1);

  const auto t0 = clock_type::now();
  proxy_->swap_upstreams();
  // Silent: the node still thinks it is subscribed, Redis has no subscriber any more.
  EXPECT_EQ(numsub(channel), 0);
  EXPECT_TRUE(s.available());
  // Appends acknowledged while the subscription is dead reach nobody live.
  for (int i = 1; i <= 5; ++i) {
    auto a = append(id, std::to_string(i));
    ASSERT_TRUE(a.has_value()) << a.error().message();
    acked.push_back(a->last_seq);
  }
  long long unready_at = -1;
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        if (unready_at < 0 && !s.available()) {
          unready_at = ms_since(t0);
        }
        return s.probe_failures() >= 1;
      },
      10s))
      << "the probe did not notice the lost subscription";
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        if (unready_at < 0 && !s.available()) {
          unready_at = ms_since(t0);
        }
        return unready_at >= 0 && s.available();
      },
      10s))
      << "no not-ready / ready again";
  const long long ready_at = ms_since(t0);
  EXPECT_TRUE(log_.saw_down_then_up()) << "no SseStoreUnavailable then SseStoreRecovered";
  EXPECT_TRUE(run_until(
      io_, [&] { return numsub(channel) == 1; }, 10s))
      << "not resubscribed";
  for (int i = 6; i <= 10; ++i) {
    auto a = append(id, std::to_string(i));
    ASSERT_TRUE(a.has_value()) << a.error().message();
    acked.push_back(a->last_seq);
  }
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        sub.pump();
        return !sub.delivered.empty() && sub.delivered.back() >= acked.back();
      },
      10s));
  test::expect_exactly_once_in_order(sub.delivered, acked);
  EXPECT_GE(sub.listener.resyncs(), 1u);
  std::printf(
      "[timing] upstream swapped at 0 ms; not ready at %lld ms, ready again at %lld ms "
      "(probe every 200 ms, timeout 500 ms); %zu acknowledged, subscriber re-read %d times\n",
      unready_at, ready_at, acked.size(), sub.rereads);
}

TEST_F(redis_probe, without_the_probe_the_lost_subscription_stays_unnoticed) {
  // The control: the same silent loss with the probe off. PING keeps answering, so the node
  // stays ready and live delivery stops; only the probe catches this.
  auto& s = start_store(redis::probe_config{0ms, 500ms});
  const std::string id = "unprobed";
  test::redis_session sub(s, id, io_);
  ASSERT_TRUE(run_sync(io_, s.watch(id, &sub.listener)).has_value());
  conformance::unwatch_guard guard(s, id, &sub.listener);
  proxy_->swap_upstreams();
  ASSERT_TRUE(append(id, "lost live").has_value());
  run_until(
      io_, [&] { return sub.listener.event_count() > 0 || !s.available(); }, 1500ms);
  EXPECT_TRUE(s.available());
  EXPECT_EQ(sub.listener.event_count(), 0u);
  EXPECT_EQ(s.probes_ok() + s.probe_failures(), 0u);
}

}  // namespace
}  // namespace sse::store::redis_test
