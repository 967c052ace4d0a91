// Appends/s of the Redis store on one redis-server versus a local 3-master cluster (1 replica
// each), with the per-node command counts (INFO commandstats) and sharded-publish bus traffic
// (CLUSTER INFO) that show the load spread and that an SPUBLISH stays in its shard.
// Not a test: run by hand, `cluster_append_bench [seconds] [concurrency]`.

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/clock.hpp"
#include "redis_cluster.hpp"
#include "redis_server.hpp"
#include "store/redis/redis_store.hpp"

namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using sse::store::redis_store;

std::string field(const std::string& info, const std::string& name) {
  const auto at = info.find(name);
  if (at == std::string::npos) {
    return "0";
  }
  const auto start = at + name.size();
  return info.substr(start, info.find_first_of(",\r\n", start) - start);
}

double run(sse::store::redis_store_options options, int seconds, int concurrency) {
  static const sse::core::system_clock clock;
  net::io_context io;
  sse::store::store_limits limits;
  limits.buffer_limit = 256;
  auto store = std::make_unique<redis_store>(
      limits, options, std::vector<redis_store::executor_type>{io.get_executor()}, clock);
  store->start();
  const auto ready_by = std::chrono::steady_clock::now() + 20s;
  while (!store->available() && std::chrono::steady_clock::now() < ready_by) {
    io.run_for(10ms);
  }
  std::atomic<long> done{0};
  std::atomic<long> failed{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int c = 0; c < concurrency; ++c) {
    net::co_spawn(
        io,
        [&, c]() -> net::awaitable<void> {
          const std::string data(100, 'x');
          while (std::chrono::steady_clock::now() < deadline) {
            sse::store::append_request r;
            r.stream_id = "bench-" + std::to_string(c);
            r.events.push_back(sse::stream::new_event{"", data, 1});
            auto res = co_await store->append(std::move(r));
            (res ? done : failed).fetch_add(1);
          }
        },
        net::detached);
  }
  io.run_until(deadline + 5s);
  store->stop();
  io.restart();
  io.poll();
  std::printf("  %ld appends (%ld failed) in %d s, %d concurrent producers\n", done.load(),
              failed.load(), seconds, concurrency);
  return static_cast<double>(done.load()) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int concurrency = argc > 2 ? std::atoi(argv[2]) : 64;
  sse::store::redis_store_options base;
  base.connection.command_timeout = 5s;

  std::printf("single redis-server:\n");
  sse::test::redis_server single;
  auto one = base;
  one.connection.host = "127.0.0.1";
  one.connection.port = single.port();
  const double single_rate = run(one, seconds, concurrency);
  std::printf("  appends/s: %.0f\n", single_rate);

  std::printf("cluster, 3 masters + 1 replica each:\n");
  sse::test::redis_cluster cluster;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    (void)cluster.node(i).command("CONFIG", "RESETSTAT");
  }
  auto multi = base;
  for (auto p : cluster.ports()) {
    multi.cluster_seeds.push_back({"127.0.0.1", p});
  }
  const double cluster_rate = run(multi, seconds, concurrency);
  std::printf("  appends/s: %.0f\n", cluster_rate);
  std::printf("per node (INFO commandstats / CLUSTER INFO):\n");
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    const auto stats = cluster.node(i).command("INFO", "commandstats").str;
    const auto role = cluster.node(i).command("ROLE").elements.at(0).str;
    const auto info = cluster.node(i).command("CLUSTER", "INFO").str;
    std::printf(
        "  node %zu port %u %-6s evalsha=%s spublish=%s publish=%s "
        "bus_publishshard_sent=%s bus_publish_sent=%s\n",
        i, cluster.node(i).port(), role.c_str(), field(stats, "cmdstat_evalsha:calls=").c_str(),
        field(stats, "cmdstat_spublish:calls=").c_str(),
        field(stats, "cmdstat_publish:calls=").c_str(),
        field(info, "cluster_stats_messages_publishshard_sent:").c_str(),
        field(info, "cluster_stats_messages_publish_sent:").c_str());
  }
  return 0;
}
