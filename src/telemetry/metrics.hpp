#pragma once
// Process-wide counters behind GET /metrics. Plain atomics: every worker bumps them on its own
// path with relaxed ordering, and /metrics reads a slightly stale but consistent-enough view.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace sse::telemetry {

/// Fixed-bucket latency histogram in seconds (Prometheus `histogram`).
class histogram {
 public:
  static constexpr std::array<double, 12> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  void observe(double seconds) noexcept;
  /// Appends `name_bucket{le=..}`, `name_sum`, `name_count` lines.
  void render(std::string& out, const std::string& name, const std::string& help) const;

  /// Observations so far (relaxed read; may lag concurrent observe() calls).
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};  // last = +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

/// The `limit` label of sse_gateway_limit_rejections_total, in index order.
inline constexpr std::array<const char*, 6> limit_names{
    "connections_per_ip", "append_rate", "headers",
    "request_timeout",    "max_streams", "subscribers_per_stream"};
enum limit_kind : int {
  limit_connections_per_ip,
  limit_append_rate,
  limit_headers,
  limit_request_timeout,
  limit_max_streams,
  limit_subscribers_per_stream,
};

/// The `protocol` label of sse_gateway_bytes_written_total, in index order.
inline constexpr std::array<const char*, 2> protocol_names{"http1", "http2"};
enum protocol_kind : int { protocol_http1, protocol_http2 };

/// The Durable Streams door (/v1/stream/...): the `method` label of
/// sse_gateway_durable_requests_total and the `mode` label of sse_gateway_durable_reads_total.
inline constexpr std::array<const char*, 6> durable_method_names{"GET", "HEAD",   "POST",
                                                                 "PUT", "DELETE", "other"};
inline constexpr std::array<const char*, 3> durable_read_modes{"catch_up", "long_poll", "sse"};
/// The durable_method_names index of a method as sent ("other" for any other).
std::size_t durable_method_index(std::string_view method) noexcept;

enum class resume_outcome { success, reset, not_found, expired, store_error, ended };

struct metrics {
  std::atomic<std::int64_t> http_connections_open{0};
  std::atomic<std::int64_t> sse_connections_open{0};
  /// HTTP/2: connections (of http_connections_open; the rest are HTTP/1.1), streams open on
  /// them and streams opened since start.
  std::atomic<std::int64_t> http2_connections_open{0};
  std::atomic<std::int64_t> http2_streams_open{0};
  std::atomic<std::uint64_t> http2_streams_total{0};
  /// HTTP/2 connections ended by a GOAWAY with an error code (a protocol violation, a frame too
  /// large, rapid resets).
  std::atomic<std::uint64_t> http2_connection_errors_total{0};
  /// Bytes written to clients by protocol (protocol_kind), as the HTTP framing wrote them
  /// (before TLS): HTTP/1.1 status lines, fields, bodies and chunk framing; HTTP/2 frames.
  std::array<std::atomic<std::uint64_t>, 2> bytes_written_total{};
  void count_written(int protocol, std::uint64_t bytes) noexcept {
    bytes_written_total[static_cast<std::size_t>(protocol)].fetch_add(bytes,
                                                                      std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> http_requests_total{0};
  std::atomic<std::uint64_t> streams_created_total{0};
  std::atomic<std::uint64_t> streams_ended_total{0};
  std::atomic<std::uint64_t> streams_expired_total{0};
  std::atomic<std::uint64_t> events_appended_total{0};
  std::atomic<std::uint64_t> events_delivered_total{0};
  std::atomic<std::uint64_t> events_trimmed_total{0};
  std::atomic<std::uint64_t> slow_clients_dropped_total{0};
  std::atomic<std::uint64_t> bad_requests_total{0};
  std::array<std::atomic<std::uint64_t>, 6> resumes_total{};  ///< indexed by resume_outcome
  histogram resume_latency;  ///< reconnect request -> first replayed or live event written
  /// Subscribes that started at a checkpoint, and the events that spared them.
  std::atomic<std::uint64_t> checkpoint_starts_total{0};
  std::atomic<std::uint64_t> checkpoint_skipped_events_total{0};
  std::atomic<std::uint64_t> telemetry_dropped_total{0};
  /// Event data bytes given to zstd and bytes it produced (Redis store, above
  /// --compress-min-bytes): their ratio is the compression ratio operators watch.
  std::atomic<std::uint64_t> compress_input_bytes_total{0};
  std::atomic<std::uint64_t> compress_output_bytes_total{0};
  /// Compressed SSE: connections served compressed, those that asked for it but were
  /// served uncompressed because the node's compressor budget was spent, the memory compressors
  /// hold (estimated, against --sse-compression-max-memory), and the bytes in and out.
  std::atomic<std::uint64_t> sse_compressed_connections_total{0};
  std::atomic<std::uint64_t> sse_compression_over_budget_total{0};
  std::atomic<std::int64_t> sse_compression_memory_bytes{0};
  std::atomic<std::uint64_t> sse_compression_input_bytes_total{0};
  std::atomic<std::uint64_t> sse_compression_output_bytes_total{0};
  /// Access control and limits.
  std::atomic<std::uint64_t> auth_rejected_total{0};
  /// The Durable Streams door: requests by method (durable_method_names), reads by mode
  /// (durable_read_modes), appends that stored data, SSE `event: data` frames written.
  std::array<std::atomic<std::uint64_t>, 6> durable_requests_total{};
  std::array<std::atomic<std::uint64_t>, 3> durable_reads_total{};
  std::atomic<std::uint64_t> durable_appends_total{0};
  std::atomic<std::uint64_t> durable_sse_data_events_total{0};
  /// Requests and connections refused by a limit, indexed by limit_kind.
  std::array<std::atomic<std::uint64_t>, 6> limit_rejections_total{};
  void count_limit(int kind) noexcept {
    limit_rejections_total[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }

  void count_resume(resume_outcome o) noexcept {
    resumes_total[static_cast<std::size_t>(o)].fetch_add(1, std::memory_order_relaxed);
  }

  /// Prometheus text exposition (version 0.0.4). Gauges the store knows (streams, bytes
  /// buffered) are passed in by the caller.
  std::string render_prometheus(std::int64_t streams_active, std::int64_t events_buffered,
                                std::int64_t bytes_buffered) const;
};

/// The `outcome` label value: "success", "reset", "not_found", "expired", "store_error", "ended".
const char* to_string(resume_outcome o) noexcept;

/// Every outcome, in enum order (the index into metrics::resumes_total).
inline constexpr std::array<resume_outcome, 6> all_resume_outcomes{
    resume_outcome::success, resume_outcome::reset,       resume_outcome::not_found,
    resume_outcome::expired, resume_outcome::store_error, resume_outcome::ended};

}  // namespace sse::telemetry
