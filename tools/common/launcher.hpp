#pragma once
// Starts the processes a load run measures: the gateway binary on a port it picks itself
// (--listen 127.0.0.1:0 --port-file) and a private redis-server on a free loopback port.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/process.hpp"

namespace sse::tools {

struct gateway_launch {
  std::string binary;                   ///< path to sse-gateway
  std::string store = "memory";         ///< passed as --store
  std::vector<std::string> extra_args;  ///< appended; a flag given here replaces our default
  std::string work_dir;                 ///< port file and gateway.log go here (must exist)
  std::chrono::milliseconds start_timeout{std::chrono::seconds(20)};
};

struct launched_process {
  child_process process;
  std::uint16_t port = 0;
  std::string log_path;
};

/// Starts the gateway with `--listen 127.0.0.1:0 --port-file <work>/gateway.port --telemetry
/// none --store <store>` and the extra arguments, and waits for its port. `message` says why
/// on failure.
result<launched_process> launch_gateway(const gateway_launch& options, std::string& message);

/// Starts `redis-server` (from PATH) on a free port of 127.0.0.1 with persistence off and its
/// files in work_dir, and waits until it answers PING. Retries a few ports on a lost race.
result<launched_process> launch_redis(const std::string& work_dir, std::string& message,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sse::tools
