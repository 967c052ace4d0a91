#pragma once
// What a gate run cost the machine: CPU seconds of the gateway and of redis-server
// per million delivered events, and the gateway's resident memory per open SSE connection.
// Pure: the controller reads /proc (tools::read_process_usage) and hands the readings in, so the
// arithmetic and its edge cases are unit-tested without processes. Definitions: SCHEMA.md.

#include <cstdint>
#include <optional>

namespace sse::load {

/// One process's CPU time (user + system) and resident memory at one instant.
struct usage_reading {
  double cpu_seconds = 0;
  std::uint64_t rss_bytes = 0;
};

/// A process's readings at the start of the measured interval (just before the load starts, no
/// connection of the tool open yet) and at its end (the close of the last window). None: the
/// process is not known to the tool (an external target or store) or /proc could not be read.
struct interval_readings {
  std::optional<usage_reading> start;
  std::optional<usage_reading> end;
};

/// The run's cost figures; every optional is none when an input it needs is missing.
struct run_cost {
  double interval_s = 0;         ///< start of the load to the close of the last window
  std::uint64_t deliveries = 0;  ///< events delivered in that interval (all subscribers)
  std::optional<double> gateway_cpu_seconds;      ///< used by the gateway in the interval
  std::optional<double> redis_cpu_seconds;        ///< used by redis-server in the interval
  std::optional<double> gateway_cpu_per_million;  ///< gateway_cpu_seconds * 1e6 / deliveries
  std::optional<double> redis_cpu_per_million;    ///< redis_cpu_seconds * 1e6 / deliveries
  std::optional<std::uint64_t> gateway_rss_start_bytes;
  std::optional<std::uint64_t> gateway_rss_end_bytes;
  std::uint64_t peak_open_connections = 0;  ///< the largest window-close count of open SSE conns
  /// (gateway_rss_end_bytes - gateway_rss_start_bytes) / peak_open_connections; may be negative
  /// if the gateway gave memory back. None without both readings or without a connection.
  std::optional<double> rss_bytes_per_connection;
};

run_cost compute_run_cost(const interval_readings& gateway, const interval_readings& redis,
                          double interval_s, std::uint64_t deliveries,
                          std::uint64_t peak_open_connections);

/// CPU seconds between two readings of one process; none unless both exist.
std::optional<double> cpu_between(const std::optional<usage_reading>& from,
                                  const std::optional<usage_reading>& to);

}  // namespace sse::load
