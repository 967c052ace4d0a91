// Appends/s of the Redis store on one redis-server versus a local 3-master cluster (1 replica
// each), with the per-node command counts (INFO commandstats) and sharded-publish bus traffic
// (CLUSTER INFO) that show the load spread and that an SPUBLISH stays in its shard.
// Also deliveries/s: a reader node watches every stream and counts the events it gets live.
// Not a test: run by hand, `cluster_append_bench [seconds] [producer nodes] [concurrency]`.

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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

// Counts every delivered event (the reader node's live fan-out).
class counting_listener final : public sse::store::live_listener {
 public:
  explicit counting_listener(std::atomic<long>& events) : events_(events) {}
  void on_events(std::shared_ptr<const sse::stream::event_batch> batch) override {
    events_.fetch_add(static_cast<long>(batch->events.size()), std::memory_order_relaxed);
  }
  void on_stream_gone(const std::string&) override {}
  void on_resync(const std::string&) override {}

 private:
  std::atomic<long>& events_;
};

// One gateway node: a store on its own io_context and thread (one worker).
struct node {
  net::io_context io;
  std::unique_ptr<redis_store> store;
  std::thread thread;
};

std::unique_ptr<node> start_node(const sse::store::redis_store_options& options) {
  static const sse::core::system_clock clock;
  auto n = std::make_unique<node>();
  sse::store::store_limits limits;
  limits.buffer_limit = 256;
  n->store = std::make_unique<redis_store>(
      limits, options, std::vector<redis_store::executor_type>{n->io.get_executor()}, clock);
  n->store->start();
  const auto ready_by = std::chrono::steady_clock::now() + 20s;
  while (!n->store->available() && std::chrono::steady_clock::now() < ready_by) {
    n->io.run_for(10ms);
  }
  return n;
}

struct rates {
  double appends = 0;
  double deliveries = 0;
};

// `producers` nodes (threads), each with `concurrency` producer coroutines on streams of their
// own, and one reader node watching every stream; appends/s acknowledged and events/s delivered
// live to the reader, over `seconds`.
rates run(const sse::store::redis_store_options& options, int seconds, int producers,
          int concurrency) {
  std::atomic<long> delivered{0};
  auto reader = start_node(options);
  std::vector<std::string> ids;
  for (int p = 0; p < producers; ++p) {
    for (int c = 0; c < concurrency; ++c) {
      ids.push_back("bench-" + std::to_string(p) + "-" + std::to_string(c));
    }
  }
  std::vector<std::unique_ptr<counting_listener>> listeners;
  std::atomic<int> watched{0};
  for (const auto& id : ids) {
    listeners.push_back(std::make_unique<counting_listener>(delivered));
    net::co_spawn(
        reader->io,
        [&, id, l = listeners.back().get()]() -> net::awaitable<void> {
          if (co_await reader->store->watch(id, l)) {
            watched.fetch_add(1);
          }
        },
        net::detached);
  }
  const auto watch_by = std::chrono::steady_clock::now() + 20s;
  while (watched.load() < static_cast<int>(ids.size()) &&
         std::chrono::steady_clock::now() < watch_by) {
    reader->io.run_for(10ms);
  }
  auto reader_guard = net::make_work_guard(reader->io);
  reader->thread = std::thread([&] { reader->io.run(); });

  std::vector<std::unique_ptr<node>> nodes;
  for (int p = 0; p < producers; ++p) {
    nodes.push_back(start_node(options));
  }
  std::atomic<long> done{0};
  std::atomic<long> failed{0};
  const long delivered_before = delivered.load();
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::seconds(seconds);
  std::vector<std::unique_ptr<std::atomic<int>>> running;
  for (int p = 0; p < producers; ++p) {
    running.push_back(std::make_unique<std::atomic<int>>(concurrency));
  }
  std::atomic<long long> last_ack_ns{0};
  for (int p = 0; p < producers; ++p) {
    auto& n = *nodes[static_cast<std::size_t>(p)];
    auto& left = *running[static_cast<std::size_t>(p)];
    for (int c = 0; c < concurrency; ++c) {
      net::co_spawn(
          n.io,
          [&, id = ids[static_cast<std::size_t>(p * concurrency + c)]]() -> net::awaitable<void> {
            const std::string data(100, 'x');
            while (std::chrono::steady_clock::now() < deadline) {
              sse::store::append_request r;
              r.stream_id = id;
              r.events.push_back(sse::stream::new_event{"", data, 1});
              auto res = co_await n.store->append(std::move(r));
              (res ? done : failed).fetch_add(1);
            }
            // The run ends with the last answer to an append sent before the deadline.
            const long long at = (std::chrono::steady_clock::now() - t0).count();
            for (long long seen = last_ack_ns.load(); seen < at;) {
              if (last_ack_ns.compare_exchange_weak(seen, at)) {
                break;
              }
            }
            left.fetch_sub(1);
          },
          net::detached);
    }
    n.thread = std::thread([&n, &left, deadline] {
      while (left.load() > 0 && std::chrono::steady_clock::now() < deadline + 5s) {
        n.io.run_for(10ms);
      }
    });
  }
  for (auto& n : nodes) {
    n->thread.join();
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::duration(last_ack_ns.load()))
          .count();
  // Let the last publishes arrive (bounded).
  for (int i = 0; i < 100 && delivered.load() - delivered_before < done.load(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  const long got = delivered.load() - delivered_before;
  for (auto& n : nodes) {
    n->store->stop();
    n->io.restart();
    n->io.run_for(100ms);
  }
  reader_guard.reset();
  net::post(reader->io, [&] {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      reader->store->unwatch(ids[i], listeners[i].get());
    }
    reader->store->stop();
  });
  reader->thread.join();
  std::printf(
      "  %ld appends acknowledged (%ld failed) and %ld events delivered live to the reader in "
      "%.1f s; %d producer nodes x %d concurrent appends, %zu streams\n",
      done.load(), failed.load(), got, elapsed, producers, concurrency, ids.size());
  return rates{static_cast<double>(done.load()) / elapsed, static_cast<double>(got) / elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int producers = argc > 2 ? std::atoi(argv[2]) : 2;
  const int concurrency = argc > 3 ? std::atoi(argv[3]) : 64;
  sse::store::redis_store_options base;
  base.connection.command_timeout = 5s;

  std::printf("single redis-server:\n");
  sse::test::redis_server single;
  auto one = base;
  one.connection.host = "127.0.0.1";
  one.connection.port = single.port();
  (void)single.command("CONFIG", "RESETSTAT");
  const rates single_rate = run(one, seconds, producers, concurrency);
  std::printf("  appends/s: %.0f  deliveries/s: %.0f\n", single_rate.appends,
              single_rate.deliveries);
  {
    const auto stats = single.command("INFO", "commandstats").str;
    std::printf("  evalsha=%s publish=%s\n", field(stats, "cmdstat_evalsha:calls=").c_str(),
                field(stats, "cmdstat_publish:calls=").c_str());
  }

  std::printf("cluster, 3 masters + 1 replica each:\n");
  sse::test::redis_cluster cluster;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    (void)cluster.node(i).command("CONFIG", "RESETSTAT");
  }
  auto multi = base;
  for (auto p : cluster.ports()) {
    multi.cluster_seeds.push_back({"127.0.0.1", p});
  }
  const rates cluster_rate = run(multi, seconds, producers, concurrency);
  std::printf("  appends/s: %.0f  deliveries/s: %.0f  (cluster/single: %.2f, %.2f)\n",
              cluster_rate.appends, cluster_rate.deliveries,
              cluster_rate.appends / single_rate.appends,
              cluster_rate.deliveries / single_rate.deliveries);
  std::printf("per node (INFO commandstats / CLUSTER INFO):\n");
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    const auto stats = cluster.node(i).command("INFO", "commandstats").str;
    const auto role = cluster.node(i).command("ROLE").elements.at(0).str;
    const auto info = cluster.node(i).command("CLUSTER", "INFO").str;
    std::printf(
        "  node %zu port %u %-6s evalsha=%s spublish=%s publish=%s "
        "bus_publishshard_sent=%s bus_publishshard_received=%s bus_publish_sent=%s\n",
        i, cluster.node(i).port(), role.c_str(), field(stats, "cmdstat_evalsha:calls=").c_str(),
        field(stats, "cmdstat_spublish:calls=").c_str(),
        field(stats, "cmdstat_publish:calls=").c_str(),
        field(info, "cluster_stats_messages_publishshard_sent:").c_str(),
        field(info, "cluster_stats_messages_publishshard_received:").c_str(),
        field(info, "cluster_stats_messages_publish_sent:").c_str());
  }
  return 0;
}
