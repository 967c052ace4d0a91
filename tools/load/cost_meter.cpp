#include "load/cost_meter.hpp"

#include "common/process.hpp"

namespace sse::load {

std::optional<usage_reading> read_usage(pid_t pid) {
  if (pid <= 0) {
    return std::nullopt;
  }
  const auto u = tools::read_process_usage(pid);
  if (!u) {
    return std::nullopt;
  }
  return usage_reading{u->cpu_seconds, u->rss_bytes};
}

cost_meter::cost_meter(pid_t gateway, pid_t redis) : gateway_pid_(gateway), redis_pid_(redis) {}

void cost_meter::start() {
  gateway_.start = gateway_last_ = read_usage(gateway_pid_);
  redis_.start = redis_last_ = read_usage(redis_pid_);
}

window_resources cost_meter::window_end() {
  const auto gateway_now = read_usage(gateway_pid_);
  const auto redis_now = read_usage(redis_pid_);
  window_resources w;
  w.gateway_cpu_seconds = cpu_between(gateway_last_, gateway_now);
  w.redis_cpu_seconds = cpu_between(redis_last_, redis_now);
  if (gateway_now) {
    w.gateway_rss_bytes = gateway_now->rss_bytes;
  }
  gateway_.end = gateway_last_ = gateway_now;
  redis_.end = redis_last_ = redis_now;
  return w;
}

}  // namespace sse::load
