#pragma once
// What every chaos scenario sets up: its seed, the telemetry collector, in-process nodes, and (for
// the Redis scenarios) a private redis-server. After every Redis scenario the fixture checks that
// no key of a stream that ended during it is left without a TTL (scenario 5, cleanup_test.cpp,
// checked everywhere).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chaos_node.hpp"
#include "chaos_seed.hpp"
#include "redis_server.hpp"
#include "telemetry_collector.hpp"

namespace sse::test {

enum class store_kind { memory, redis };
std::string to_string(store_kind k);

class chaos_fixture : public ::testing::Test {
 protected:
  using steady = std::chrono::steady_clock;

  void TearDown() override;

  /// Starts the private redis-server (extra args, e.g. AOF). Throws when it cannot.
  redis_server& start_redis(std::vector<std::string> args = {});
  redis_server& redis() { return *redis_; }
  bool has_redis() const noexcept { return redis_ != nullptr; }

  /// The config of a node on `kind` (the private Redis for redis: start_redis() first).
  config::config node_config(store_kind kind);
  /// Starts an in-process node named `name`; with a Redis store it waits (bounded) for /readyz.
  chaos_node& add_node(const std::string& name, config::config cfg);
  chaos_node& node(std::size_t i) { return *nodes_.at(i); }
  std::size_t node_count() const noexcept { return nodes_.size(); }

  /// Always node i.
  node_picker fixed(std::size_t i);
  /// A node drawn at random (from the actor's own engine) among those still running.
  node_picker any_node(std::mt19937_64 rng);

  /// Streams that ended in this test (an SseStreamEnded was seen for them).
  std::set<std::string> ended_streams() const;

  telemetry_collector& tc() noexcept { return tc_; }
  const chaos_seed& seed() const noexcept { return seed_; }

  chaos_seed seed_;
  telemetry_collector tc_;
  std::unique_ptr<redis_server> redis_;
  std::vector<std::unique_ptr<chaos_node>> nodes_;
};

}  // namespace sse::test
