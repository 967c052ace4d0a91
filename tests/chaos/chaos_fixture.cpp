#include "chaos_fixture.hpp"

#include <stdexcept>

#include "redis_keys.hpp"
#include "telemetry/names.hpp"

namespace sse::test {

using namespace std::chrono_literals;

std::string to_string(store_kind k) {
  return k == store_kind::memory ? "memory" : "redis";
}

redis_server& chaos_fixture::start_redis(std::vector<std::string> args) {
  if (!redis_server::available()) {
    throw std::runtime_error(
        "redis-server is not installed (Debian: apt-get install redis-server)");
  }
  redis_options o;
  o.args = std::move(args);
  redis_ = std::make_unique<redis_server>(o);
  return *redis_;
}

config::config chaos_fixture::node_config(store_kind kind) {
  if (kind == store_kind::memory) {
    return chaos_config("memory");
  }
  if (!redis_) {
    start_redis();
  }
  return chaos_config(redis_->url());
}

chaos_node& chaos_fixture::add_node(const std::string& name, config::config cfg) {
  const bool shared = cfg.store != "memory";
  nodes_.push_back(std::make_unique<chaos_node>(name, std::move(cfg), tc_));
  auto& n = *nodes_.back();
  if (shared) {
    EXPECT_TRUE(n.wait_ready(10s)) << "node " << name << " not ready on Redis within 10 s";
  }
  return n;
}

node_picker chaos_fixture::fixed(std::size_t i) {
  const endpoint at = nodes_.at(i)->where();
  return [at] { return at; };
}

node_picker chaos_fixture::any_node(std::mt19937_64 rng) {
  std::vector<chaos_node*> all;
  for (auto& n : nodes_) {
    all.push_back(n.get());
  }
  return [all, rng]() mutable {
    std::vector<const chaos_node*> up;
    for (const auto* n : all) {
      if (n->running()) {
        up.push_back(n);
      }
    }
    if (up.empty()) {
      return endpoint{"none", 1};  // refused at once: the caller retries
    }
    return up[std::uniform_int_distribution<std::size_t>(0, up.size() - 1)(rng)]->where();
  };
}

std::set<std::string> chaos_fixture::ended_streams() const {
  std::set<std::string> out;
  for (const auto& e : tc_.events({.name = std::string(telemetry::names::stream_ended)})) {
    out.insert(e.stream);
  }
  return out;
}

void chaos_fixture::TearDown() {
  if (redis_ && redis_->running() && !redis_->paused()) {
    try {
      EXPECT_TRUE(finished_streams_all_expire(*redis_, ended_streams()));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "key check after the scenario: " << e.what();
    }
  }
  for (auto& n : nodes_) {
    n->stop();
  }
  nodes_.clear();
}

}  // namespace sse::test
