#include "chaos_node.hpp"

#include "bounded_wait.hpp"
#include "http_client.hpp"

namespace sse::test {

using namespace std::chrono_literals;

config::config chaos_config(const std::string& store) {
  config::config cfg;
  cfg.listen_host = "127.0.0.1";
  cfg.listen_port = 0;
  cfg.store = store;
  cfg.threads = 2;
  cfg.telemetry = "none";
  cfg.auth = "none";  // access control is not what these scenarios are about
  cfg.log_level = "warn";
  cfg.shutdown_grace = 2s;
  cfg.heartbeat = 2s;
  cfg.buffer_limit = 100'000;
  cfg.buffer_max_bytes = 512ull * 1024 * 1024;
  return cfg;
}

chaos_node::chaos_node(std::string name, config::config cfg, telemetry_collector& tc)
    : name_(std::move(name)) {
  cfg.node_id = name_;
  gateway_ = std::make_unique<app::gateway>(std::move(cfg), &tc.node_sink(name_));
  gateway_->start();
  port_ = gateway_->port();
  running_ = true;
}

chaos_node::~chaos_node() {
  stop();
}

void chaos_node::stop() {
  if (running_.exchange(false)) {
    gateway_->stop();
  }
}

int chaos_node::readyz_status(std::chrono::milliseconds timeout) const {
  try {
    http_client http("127.0.0.1", port_, timeout);
    return http.get("/readyz").status;
  } catch (const std::exception&) {
    return 0;
  }
}

bool chaos_node::wait_ready(std::chrono::milliseconds timeout) const {
  return bounded_wait([this] { return readyz_status() == 200; }, timeout, 50ms);
}

}  // namespace sse::test
