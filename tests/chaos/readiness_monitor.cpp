#include "readiness_monitor.hpp"

#include <memory>

#include "http_client.hpp"
#include "telemetry/format.hpp"

namespace sse::test {

using namespace std::chrono_literals;

readiness_monitor::readiness_monitor(std::vector<endpoint> nodes, std::chrono::milliseconds period)
    : nodes_(std::move(nodes)), period_(period), seen_(nodes_.size()) {
  thread_ = std::thread([this] { run(); });
}

readiness_monitor::~readiness_monitor() {
  stop();
}

void readiness_monitor::stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void readiness_monitor::run() {
  std::vector<std::unique_ptr<http_client>> clients;
  for (const auto& n : nodes_) {
    // /readyz answers without touching the store: a short timeout is plenty.
    clients.push_back(std::make_unique<http_client>("127.0.0.1", n.port, 1s));
  }
  while (!stop_) {
    for (std::size_t i = 0; i < nodes_.size() && !stop_; ++i) {
      int status = 0;
      try {
        status = clients[i]->get("/readyz").status;
      } catch (const std::exception&) {
        clients[i]->close();
      }
      const long long now = telemetry::now_unix_ms();
      std::lock_guard lock(mu_);
      auto& s = seen_[i];
      if (status == 200) {
        ++s.ready;
        if (s.last_not_ready_ms != 0 && s.first_ready_after_ms == 0) {
          s.first_ready_after_ms = now;
        }
      } else if (status == 503) {
        ++s.not_ready;
        if (s.first_not_ready_ms == 0) {
          s.first_not_ready_ms = now;
        }
        s.last_not_ready_ms = now;
        s.first_ready_after_ms = 0;
      } else {
        ++s.other;
      }
    }
    std::this_thread::sleep_for(period_);
  }
}

readiness_monitor::seen readiness_monitor::of(std::size_t i) const {
  std::lock_guard lock(mu_);
  return seen_.at(i);
}

std::string readiness_monitor::describe() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto& s = seen_[i];
    out += nodes_[i].node + ": 200 x" + std::to_string(s.ready) + ", 503 x" +
           std::to_string(s.not_ready) + ", other x" + std::to_string(s.other);
    if (s.first_not_ready_ms != 0) {
      out += " (503 from " + telemetry::format_rfc3339_ms(s.first_not_ready_ms) + " to " +
             telemetry::format_rfc3339_ms(s.last_not_ready_ms) + ")";
    }
    out += "; ";
  }
  return out;
}

}  // namespace sse::test
