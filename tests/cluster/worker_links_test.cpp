// The links of a cluster as a gateway makes them (redis::make_links with two workers, each an
// io_context on its own thread) against a real local cluster of 3 masters: each worker's
// commands go on its own connections to the masters, and sharded pub/sub is split over the
// workers, each channel's messages handled on the worker whose subscriber holds it.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "bounded_wait.hpp"
#include "coro_runner.hpp"
#include "redis/cluster/slot.hpp"
#include "redis/links.hpp"
#include "redis_cluster.hpp"

namespace sse::redis {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

struct worker {
  net::io_context io;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::thread::id id;
};

class cluster_worker_links : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_cluster::available()) {
      FAIL() << "redis-server or redis-cli not found: scripts/bootstrap.sh installs them";
    }
    test::redis_cluster_options co;
    co.replicas_per_master = 0;
    cluster_.emplace(co);
    std::vector<net::any_io_executor> executors;
    for (auto& w : workers_) {
      w.work.emplace(net::make_work_guard(w.io));
      w.thread = std::thread([&w] { w.io.run(); });
      w.id = w.thread.get_id();
      executors.push_back(w.io.get_executor());
    }
    topology_options o;
    o.connection.connect_timeout = 500ms;
    o.connection.command_timeout = 2000ms;
    for (auto p : cluster_->ports()) {
      o.cluster_seeds.push_back({"127.0.0.1", p});
    }
    links_ = make_links(o, executors, {});
    links_.pubsub->set_message_handler([this](std::string_view channel, std::string_view) {
      std::lock_guard lock(mu_);
      handled_on_[std::string(channel)] = std::this_thread::get_id();
    });
    links_.commands->start();
    links_.pubsub->start();
    ASSERT_TRUE(test::bounded_wait([&] { return links_.commands->up(); }, 10s));
  }

  void TearDown() override {
    if (links_.pubsub) {
      links_.pubsub->stop();
      links_.commands->stop();
    }
    for (auto& w : workers_) {
      w.work.reset();
      if (w.thread.joinable()) {
        w.io.stop();
        w.thread.join();
      }
    }
  }

  // Runs commands on key from worker i, as a request handled on that worker would.
  result<std::vector<reply>> exec_from(std::size_t i, std::string key, std::vector<command> c) {
    auto op = [](std::shared_ptr<command_link> link, std::string key,
                 std::vector<command> c) -> net::awaitable<result<std::vector<reply>>> {
      co_return co_await link->exec_on_key(key, std::move(c));
    };
    return test::run_sync_on(workers_[i].io, op(links_.commands, std::move(key), std::move(c)));
  }

  std::optional<test::redis_cluster> cluster_;
  worker workers_[2];
  links links_;
  std::mutex mu_;
  std::map<std::string, std::thread::id> handled_on_;
};

TEST_F(cluster_worker_links, each_worker_sends_on_its_own_connection_to_the_master) {
  // The same key, so the same master: only the connection can differ.
  std::set<long long> ids;
  for (std::size_t i = 0; i < 2; ++i) {
    auto r = exec_from(i, "{w}k", {{"CLIENT", "ID"}});
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->size(), 1u);
    ASSERT_FALSE(r->front().is_error()) << r->front().str;
    ids.insert(r->front().integer);
  }
  EXPECT_EQ(ids.size(), 2u) << "both workers' commands went through one connection";
  // And a worker keeps its own: asking again from worker 0 names the same connection.
  auto again = exec_from(0, "{w}k", {{"CLIENT", "ID"}});
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(ids.contains(again->front().integer));
}

TEST_F(cluster_worker_links, channels_are_split_over_the_workers_by_slot) {
  // Two channels whose slots fall to different workers (slot mod 2), each published once.
  std::vector<std::string> channels;
  for (int n = 0; channels.size() < 2 && n < 1000; ++n) {
    std::string c = "{c" + std::to_string(n) + "}live";
    if (cluster::key_slot(c) % 2 == channels.size()) {
      channels.push_back(std::move(c));
    }
  }
  ASSERT_EQ(channels.size(), 2u);
  for (const auto& c : channels) {
    net::io_context caller;
    ASSERT_TRUE(test::run_sync(caller, links_.pubsub->subscribe(c), 10s).has_value()) << c;
    auto r = exec_from(0, c, {{"SPUBLISH", c, "x"}});
    ASSERT_TRUE(r.has_value());
  }
  ASSERT_TRUE(test::bounded_wait(
      [&] {
        std::lock_guard lock(mu_);
        return handled_on_.size() == 2;
      },
      10s));
  std::lock_guard lock(mu_);
  EXPECT_EQ(handled_on_[channels[0]], workers_[0].id);
  EXPECT_EQ(handled_on_[channels[1]], workers_[1].id);
}

}  // namespace
}  // namespace sse::redis
