#pragma once
// One gateway node inside the test process (the gateway is a library with a thin main):
// app::gateway on 127.0.0.1 port 0 with its telemetry tagged with the node's name into the shared
// collector.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "app/gateway.hpp"
#include "config/config.hpp"
#include "telemetry_collector.hpp"

namespace sse::test {

/// A node's config for chaos tests: loopback port 0, 2 workers, no telemetry of its own (the
/// collector is passed in), access control off, a short shutdown grace, and a buffer big enough
/// that nothing is trimmed unless a scenario asks for it.
config::config chaos_config(const std::string& store = "memory");

/// Where a client connects: the node's name (to match its telemetry) and port.
struct endpoint {
  std::string node;
  std::uint16_t port = 0;
};

/// Chooses the node for the next connection or request (a fixed one, a random one, "any node
/// still up").
using node_picker = std::function<endpoint()>;

/// Thread safety: port()/name()/readyz_status() from any thread; start/stop from the owner.
class chaos_node {
 public:
  /// Builds and starts the gateway (throws std::runtime_error on a startup error).
  chaos_node(std::string name, config::config cfg, telemetry_collector& tc);
  /// Stops gracefully if still running.
  ~chaos_node();
  chaos_node(const chaos_node&) = delete;
  chaos_node& operator=(const chaos_node&) = delete;

  const std::string& name() const noexcept { return name_; }
  std::uint16_t port() const noexcept { return port_; }
  endpoint where() const { return endpoint{name_, port_}; }
  app::gateway& gateway() noexcept { return *gateway_; }
  bool running() const noexcept { return running_.load(); }

  /// Graceful stop (final comment and chunk to every SSE client). Idempotent.
  void stop();

  /// GET /readyz: its status, or 0 when the node does not answer within `timeout`.
  int readyz_status(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;
  /// Polls /readyz until 200, at most `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout) const;

 private:
  std::string name_;
  std::unique_ptr<app::gateway> gateway_;
  std::uint16_t port_ = 0;
  std::atomic<bool> running_{false};
};

}  // namespace sse::test
