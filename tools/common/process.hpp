#pragma once
// What the tools know of processes besides starting them (common/child_process.hpp): the
// CPU/RSS figures the load tool reports, ports, readiness waits. Linux only (/proc).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/child_process.hpp"
#include "core/error.hpp"

namespace sse::tools {

/// CPU time and memory of a process.
struct process_usage {
  double cpu_seconds = 0;            ///< user + system
  std::uint64_t rss_bytes = 0;       ///< resident now
  std::uint64_t peak_rss_bytes = 0;  ///< high-water mark
};

/// Another process, from /proc/<pid>/stat and /proc/<pid>/status.
result<process_usage> read_process_usage(pid_t pid);
/// This process: getrusage(RUSAGE_SELF) and /proc/self/status.
process_usage self_usage();

/// Raises RLIMIT_NOFILE's soft limit to its hard limit (children inherit it). Returns the new
/// soft limit.
std::uint64_t raise_open_files_limit();

/// A port that was free on 127.0.0.1 a moment ago (bind to 0, read, close). Racy by nature:
/// use for children that cannot report their own port (redis-server).
result<std::uint16_t> pick_free_port();

/// Reads a decimal port written by a child into `path`, polling until `timeout`. Fails early
/// when `child` exits. Errors: errc::internal (child exited), errc::store_unavailable (timeout).
result<std::uint16_t> wait_for_port_file(const std::string& path, child_process& child,
                                         std::chrono::milliseconds timeout, std::string& message);

/// Sends PING to a Redis server on 127.0.0.1:port until it answers +PONG or `timeout` passes.
result<void> wait_for_redis(std::uint16_t port, std::chrono::milliseconds timeout);

/// Hostname, CPU model and core count for summary.json.
struct machine_info {
  std::string hostname;
  std::string cpu_model;
  unsigned cores = 0;
};
machine_info describe_machine();

/// Output of a short command (first line, trimmed), or empty when it fails. For `git
/// rev-parse HEAD`.
std::string command_output(const std::string& command);

}  // namespace sse::tools
