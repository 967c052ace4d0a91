#include "telemetry/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string_view>

namespace sse::telemetry {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

/// Shortest text that reads back as the same double ("0.0025", "1", "10").
void append_number(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

template <class Int>
void sample(std::string& out, std::string_view name, Int value) {
  out.append(name).append(" ");
  append_int(out, value);
  out.append("\n");
}

template <class Int>
void gauge(std::string& out, std::string_view name, std::string_view help, Int value) {
  header(out, name, "gauge", help);
  sample(out, name, value);
}

void counter(std::string& out, std::string_view name, std::string_view help,
             const std::atomic<std::uint64_t>& value) {
  header(out, name, "counter", help);
  sample(out, name, value.load(relaxed));
}

/// A counter family with one label: one sample per name, `names[i]` labelling `values[i]`.
template <std::size_t N>
void labelled_counter(std::string& out, std::string_view name, std::string_view help,
                      std::string_view label, const std::array<const char*, N>& names,
                      const std::array<std::atomic<std::uint64_t>, N>& values) {
  header(out, name, "counter", help);
  for (std::size_t i = 0; i < N; ++i) {
    out.append(name).append("{").append(label).append("=\"").append(names[i]).append("\"} ");
    append_int(out, values[i].load(relaxed));
    out.append("\n");
  }
}

}  // namespace

std::size_t durable_method_index(std::string_view method) noexcept {
  for (std::size_t i = 0; i + 1 < durable_method_names.size(); ++i) {
    if (method == durable_method_names[i]) {
      return i;
    }
  }
  return durable_method_names.size() - 1;
}

void histogram::observe(double seconds) noexcept {
  // NaN and negative (a clock step) count as zero rather than being lost: the count of
  // resumes must match the resumes_total counter.
  if (!(seconds > 0.0)) {
    seconds = 0.0;
  }
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) {
    ++i;
  }
  buckets_[i].fetch_add(1, relaxed);
  count_.fetch_add(1, relaxed);
  // Clamp so an absurd value (days) cannot overflow the conversion.
  const double micros = std::min(seconds * 1e6, 1e15);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(micros)), relaxed);
}

void histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  header(out, name, "histogram", help);
  // Buckets are stored per interval and rendered cumulative. The total is the sum of the
  // buckets read here, not count_, so that +Inf and _count agree even while observe() runs.
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(relaxed);
    out.append(name).append("_bucket{le=\"");
    if (i < bounds.size()) {
      append_number(out, bounds[i]);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ");
    append_int(out, cumulative);
    out.append("\n");
  }
  out.append(name).append("_sum ");
  append_number(out, static_cast<double>(sum_micros_.load(relaxed)) / 1e6);
  out.append("\n");
  out.append(name).append("_count ");
  append_int(out, cumulative);
  out.append("\n");
}

std::string metrics::render_prometheus(std::int64_t streams_active, std::int64_t events_buffered,
                                       std::int64_t bytes_buffered) const {
  std::string out;
  out.reserve(4096);
  gauge(out, "sse_gateway_connections_open", "Open HTTP connections (SSE included).",
        http_connections_open.load(relaxed));
  gauge(out, "sse_gateway_sse_connections_open", "Open SSE subscriptions.",
        sse_connections_open.load(relaxed));
  gauge(out, "sse_gateway_http2_connections_open",
        "Open HTTP/2 connections (of sse_gateway_connections_open; the rest are HTTP/1.1).",
        http2_connections_open.load(relaxed));
  gauge(out, "sse_gateway_http2_streams_open", "Open HTTP/2 streams.",
        http2_streams_open.load(relaxed));
  counter(out, "sse_gateway_http2_streams_total", "HTTP/2 streams opened by clients.",
          http2_streams_total);
  counter(out, "sse_gateway_http2_connection_errors_total",
          "HTTP/2 connections ended with a GOAWAY error code (protocol violation, rapid reset).",
          http2_connection_errors_total);
  labelled_counter(out, "sse_gateway_bytes_written_total",
                   "Bytes written to HTTP clients (before TLS), by protocol (http1, http2).",
                   "protocol", protocol_names, bytes_written_total);
  gauge(out, "sse_gateway_streams_active", "Streams the store holds (live and ended).",
        streams_active);
  gauge(out, "sse_gateway_events_buffered", "Events held in stream buffers.", events_buffered);
  gauge(out, "sse_gateway_bytes_buffered", "Bytes of event data held in stream buffers.",
        bytes_buffered);
  counter(out, "sse_gateway_http_requests_total", "HTTP requests received.", http_requests_total);
  counter(out, "sse_gateway_bad_requests_total",
          "Requests rejected as malformed or invalid (4xx answers).", bad_requests_total);
  counter(out, "sse_gateway_streams_created_total", "Streams created.", streams_created_total);
  counter(out, "sse_gateway_streams_ended_total", "Streams that received their end event.",
          streams_ended_total);
  counter(out, "sse_gateway_streams_expired_total", "Streams removed by TTL or end retention.",
          streams_expired_total);
  counter(out, "sse_gateway_events_appended_total", "Events appended by producers.",
          events_appended_total);
  counter(out, "sse_gateway_events_delivered_total", "Events written to SSE clients.",
          events_delivered_total);
  counter(out, "sse_gateway_events_trimmed_total", "Events evicted from full buffers.",
          events_trimmed_total);
  counter(out, "sse_gateway_slow_clients_dropped_total",
          "SSE clients dropped because their outgoing queue was full.", slow_clients_dropped_total);
  counter(out, "sse_gateway_telemetry_dropped_total",
          "Telemetry events dropped because the sink queue was full.", telemetry_dropped_total);
  counter(out, "sse_gateway_compress_input_bytes_total",
          "Event data bytes compressed with zstd before storing.", compress_input_bytes_total);
  counter(out, "sse_gateway_compress_output_bytes_total",
          "Bytes zstd produced from sse_gateway_compress_input_bytes_total.",
          compress_output_bytes_total);
  counter(out, "sse_gateway_sse_compressed_connections_total",
          "SSE connections served compressed (--sse-compression).",
          sse_compressed_connections_total);
  counter(out, "sse_gateway_sse_compression_over_budget_total",
          "SSE connections that accepted compression but were served uncompressed because "
          "--sse-compression-max-memory was spent.",
          sse_compression_over_budget_total);
  gauge(out, "sse_gateway_sse_compression_memory_bytes",
        "Estimated memory held by SSE compressors on this node.",
        sse_compression_memory_bytes.load(relaxed));
  counter(out, "sse_gateway_sse_compression_input_bytes_total",
          "SSE bytes given to the per-connection compressors.", sse_compression_input_bytes_total);
  counter(out, "sse_gateway_sse_compression_output_bytes_total",
          "Bytes the SSE compressors wrote (before chunk framing).",
          sse_compression_output_bytes_total);
  counter(out, "sse_gateway_auth_rejected_total",
          "Requests refused by access control (401 or 403).", auth_rejected_total);
  labelled_counter(out, "sse_gateway_limit_rejections_total",
                   "Requests or connections refused by a limit (429, 431, 408, 503), by limit.",
                   "limit", limit_names, limit_rejections_total);
  labelled_counter(out, "sse_gateway_durable_requests_total",
                   "Requests to the Durable Streams door (/v1/stream/...), by method.", "method",
                   durable_method_names, durable_requests_total);
  labelled_counter(out, "sse_gateway_durable_reads_total",
                   "Durable Streams reads answered or started, by mode (catch_up, long_poll, sse).",
                   "mode", durable_read_modes, durable_reads_total);
  counter(out, "sse_gateway_durable_appends_total",
          "Durable Streams appends (POST) that stored data or closed the stream.",
          durable_appends_total);
  counter(out, "sse_gateway_durable_sse_data_events_total",
          "Durable Streams SSE `data` events written to clients.", durable_sse_data_events_total);

  header(out, "sse_gateway_resumes_total", "counter",
         "Subscriptions with a resume point, by outcome.");
  for (resume_outcome o : all_resume_outcomes) {
    out.append("sse_gateway_resumes_total{outcome=\"").append(to_string(o)).append("\"} ");
    append_int(out, resumes_total[static_cast<std::size_t>(o)].load(relaxed));
    out.append("\n");
  }
  counter(out, "sse_gateway_checkpoint_starts_total",
          "Subscribes that started at the stream's latest checkpoint instead of earlier events.",
          checkpoint_starts_total);
  counter(out, "sse_gateway_checkpoint_skipped_events_total",
          "Seqs superseded by a checkpoint that subscribes starting there were not sent.",
          checkpoint_skipped_events_total);
  resume_latency.render(out, "sse_gateway_resume_latency_seconds",
                        "Reconnect request to first replayed or live event written, seconds.");
  return out;
}

const char* to_string(resume_outcome o) noexcept {
  switch (o) {
    case resume_outcome::success:
      return "success";
    case resume_outcome::reset:
      return "reset";
    case resume_outcome::not_found:
      return "not_found";
    case resume_outcome::expired:
      return "expired";
    case resume_outcome::store_error:
      return "store_error";
    case resume_outcome::ended:
      return "ended";
  }
  return "unknown";
}

}  // namespace sse::telemetry
