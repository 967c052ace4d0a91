// Readiness follows a cluster master within the ready timeout: two store instances (two gateway
// nodes) on a real 3+3 cluster, appends flowing to a stream on one master, that master
// SIGSTOPped for 3 s (cluster-node-timeout 10 s: no failover, a pure stall). Each node must
// report unavailable within ready_timeout + 0.5 s of the pause, with the gateway's own health
// timings (PING every 1 s, 2 s timeout, which alone would take up to 3 s), and available again
// after SIGCONT. The observed timings are printed.

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <mutex>

#include "core/clock.hpp"
#include "redis/cluster/slot.hpp"
#include "redis_cluster.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"

namespace sse::store::cluster_test {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;
using conformance::run_sync;
using conformance::run_until;

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

/// The first transition to unavailable and the first back to available after `since`.
struct availability_times {
  std::mutex mu;
  clock_type::time_point since{};
  std::optional<clock_type::time_point> down;
  std::optional<clock_type::time_point> up_after_down;

  std::function<void(bool)> handler() {
    return [this](bool up) {
      std::lock_guard lock(mu);
      const auto now = clock_type::now();
      if (since == clock_type::time_point{} || now < since) {
        return;
      }
      if (!up && !down) {
        down = now;
      } else if (up && down && !up_after_down) {
        up_after_down = now;
      }
    };
  }
  void start(clock_type::time_point t) {
    std::lock_guard lock(mu);
    since = t;
  }
  std::optional<clock_type::time_point> down_at() {
    std::lock_guard lock(mu);
    return down;
  }
  std::optional<clock_type::time_point> up_at() {
    std::lock_guard lock(mu);
    return up_after_down;
  }
};

long long ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

class cluster_ready : public ::testing::Test {
 protected:
  void SetUp() override {
    test::redis_cluster_options co;
    co.node_timeout = 10s;  // the pause must stay a stall, not turn into a failover
    cluster_ = std::make_unique<test::redis_cluster>(co);
  }
  void TearDown() override {
    *stop_ = true;
    for (auto& s : stores_) {
      s->stop();
    }
    io_.restart();
    io_.poll();
    stores_.clear();
  }

  redis_store& make_node(availability_times& times) {
    redis_store_options o;
    // The gateway's defaults for health and readiness: the bound below must come from the
    // ready timeout, not from a fast PING.
    o.connection.connect_timeout = 2s;
    o.connection.command_timeout = 3s;
    o.connection.health_interval = 1s;
    o.connection.health_timeout = 2s;
    o.connection.ready_timeout = ready_timeout;
    o.connection.backoff_min = 20ms;
    o.connection.backoff_max = 200ms;
    for (auto p : cluster_->ports()) {
      o.cluster_seeds.push_back({"127.0.0.1", p});
    }
    auto s = std::make_unique<redis_store>(
        store_limits{}, o, std::vector<redis_store::executor_type>{io_.get_executor()},
        test_clock());
    s->set_availability_handler(times.handler());
    s->start();
    if (!run_until(
            io_, [&] { return s->available(); }, 20s)) {
      throw std::runtime_error("cluster store did not become available");
    }
    stores_.push_back(std::move(s));
    return *stores_.back();
  }

  /// Appends to id every 20 ms until the test ends; failures during the pause are expected.
  void keep_appending(redis_store& s, std::string id) {
    net::co_spawn(
        io_,
        [](redis_store& s, std::string id, std::shared_ptr<bool> stop,
           std::shared_ptr<std::uint64_t> acks) -> net::awaitable<void> {
          net::steady_timer t(co_await net::this_coro::executor);
          while (!*stop) {
            append_request r;
            r.stream_id = id;
            r.events.push_back(stream::new_event{"", "x", 1});
            if (auto a = co_await s.append(std::move(r)); a) {
              ++*acks;
            }
            t.expires_after(20ms);
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
          }
        }(s, std::move(id), stop_, acks_),
        net::detached);
  }

  static constexpr auto ready_timeout = 1000ms;
  std::unique_ptr<test::redis_cluster> cluster_;
  net::io_context io_;
  std::vector<std::unique_ptr<redis_store>> stores_;
  std::shared_ptr<bool> stop_ = std::make_shared<bool>(false);
  std::shared_ptr<std::uint64_t> acks_ = std::make_shared<std::uint64_t>(0);
};

TEST_F(cluster_ready, a_paused_master_makes_every_node_unavailable_within_the_ready_timeout) {
  availability_times t1;
  availability_times t2;
  redis_store& n1 = make_node(t1);
  redis_store& n2 = make_node(t2);
  const std::string id = "ready-stall";
  const int master = cluster_->master_of_slot(redis::cluster::key_slot(id));
  ASSERT_GE(master, 0);
  keep_appending(n1, id);
  keep_appending(n2, id);
  ASSERT_TRUE(run_until(
      io_, [&] { return *acks_ >= 40; }, 20s))
      << "traffic before the pause";

  const auto pause = clock_type::now();
  t1.start(pause);
  t2.start(pause);
  cluster_->node(static_cast<std::size_t>(master)).pause();
  // The outage lasts 3 s whatever the nodes do; they run meanwhile.
  (void)run_until(
      io_, [&] { return clock_type::now() >= pause + 3s; }, 4s);
  const auto resume = clock_type::now();
  cluster_->node(static_cast<std::size_t>(master)).resume();
  EXPECT_TRUE(run_until(
      io_, [&] { return n1.available() && n2.available(); }, 20s))
      << "available again after SIGCONT";
  const auto acks_at_resume = *acks_;
  EXPECT_TRUE(run_until(
      io_, [&] { return *acks_ >= acks_at_resume + 40; }, 20s))
      << "appends acknowledged again after SIGCONT";

  const long long bound_ms = ready_timeout.count() + 500;
  int n = 0;
  for (auto* t : {&t1, &t2}) {
    ++n;
    const auto down = t->down_at();
    const auto up = t->up_at();
    std::printf(
        "[timing] node %d: unavailable %lld ms after SIGSTOP (bound %lld ms), available "
        "%lld ms after SIGCONT\n",
        n, down ? ms_between(pause, *down) : -1LL, bound_ms, up ? ms_between(resume, *up) : -1LL);
    ASSERT_TRUE(down) << "node " << n << " never reported the paused master";
    EXPECT_LE(ms_between(pause, *down), bound_ms) << "node " << n;
    ASSERT_TRUE(up) << "node " << n << " never recovered";
    EXPECT_GE(ms_between(resume, *up), 0) << "node " << n << " recovered during the pause";
  }
}

}  // namespace
}  // namespace sse::store::cluster_test
