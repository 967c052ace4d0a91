#pragma once
// What the load tool observes during one window, and the row the gate derives from it. Pure:
// samples in, numbers out. A window_sample is filled by one thread and merged by the ticker.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "load/gate/histogram.hpp"

namespace sse::load {

/// How one resume attempt (a reconnect carrying Last-Event-ID) ended.
enum class resume_outcome {
  success,           ///< first replayed/live event (or 204 past the end) arrived in order
  http_error,        ///< connect failed, or a status other than 200/204
  timeout,           ///< nothing arrived within the tool's resume timeout
  unannounced_loss,  ///< first event skipped seqs that no gap announced
  duplicate,         ///< first event repeated a seq already delivered
  reorder,           ///< first event went backwards in a way a duplicate does not explain
  reset,             ///< the gateway sent `event: reset` (a failure unless --allow-reset)
};
inline constexpr std::size_t resume_outcome_count = 7;

std::string_view outcome_name(resume_outcome o) noexcept;

/// Delivery violations found anywhere in a subscription (not only at the resume point).
enum class violation { unannounced_loss, duplicate, reorder };

struct window_sample {
  std::uint64_t resume_attempts = 0;  ///< completed attempts, counted when their outcome is known
  std::array<std::uint64_t, resume_outcome_count> resume_outcomes{};  ///< by outcome
  std::uint64_t events_appended = 0;  ///< acknowledged by append answers
  std::uint64_t events_trimmed = 0;   ///< `trimmed` of append answers
  std::uint64_t append_errors = 0;    ///< appends answered with an error or not at all
  /// Create/append/end requests whose outcome is known (answered, with an error or not at all):
  /// what append_errors is a share of.
  std::uint64_t append_requests = 0;
  std::uint64_t events_delivered = 0;  ///< every data event received, replayed or live
  std::uint64_t events_replayed = 0;   ///< of which published before their connection started
  std::uint64_t gap_seqs = 0;          ///< missing seqs announced by `gap` events
  std::uint64_t unannounced_losses = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t reorders = 0;
  latency_histogram resume_latency_us;   ///< successful and failed attempts alike
  latency_histogram deliver_latency_us;  ///< live events only (see SCHEMA.md)
  /// Resume attempts' time to the answer's head (a part of resume latency, for diagnosis).
  latency_histogram resume_head_latency_us;

  void record_resume(resume_outcome o, std::chrono::microseconds latency) noexcept;
  void record_violation(violation v) noexcept;
  std::uint64_t resume_successes() const noexcept {
    return resume_outcomes[static_cast<std::size_t>(resume_outcome::success)];
  }
  void merge(const window_sample& other) noexcept;
  void clear() noexcept;
};

/// What the started processes used during one window, read from /proc by the
/// controller as the window closes. None: the process is not known or could not be read.
struct window_resources {
  std::optional<double> gateway_cpu_seconds;       ///< CPU the gateway used in the window
  std::optional<double> redis_cpu_seconds;         ///< CPU redis-server used in the window
  std::optional<std::uint64_t> gateway_rss_bytes;  ///< the gateway's RSS when the window closed
};

/// One row of the time series: every metric of one window.
struct window_row {
  std::size_t index = 0;  ///< 1-based
  double start_s = 0;     ///< since the start of the run
  double end_s = 0;
  std::uint64_t resume_attempts = 0;
  std::uint64_t resume_successes = 0;
  std::optional<double> resume_success_rate;  ///< none without attempts
  std::array<std::uint64_t, resume_outcome_count> resume_outcomes{};
  std::uint64_t events_appended = 0;
  std::uint64_t events_trimmed = 0;
  double trim_rate = 0;  ///< trimmed / appended, 0 without appends
  std::uint64_t append_errors = 0;
  std::uint64_t append_requests = 0;
  double append_error_rate = 0;  ///< append_errors / append_requests, 0 without requests
  std::optional<double> resume_latency_max_ms;
  std::optional<double> resume_latency_p95_ms;
  std::optional<double> deliver_latency_p50_ms;
  std::optional<double> deliver_latency_p95_ms;
  std::optional<double> deliver_latency_p99_ms;
  std::uint64_t events_delivered = 0;
  std::uint64_t events_replayed = 0;
  double delivered_per_s = 0;
  double appended_per_s = 0;
  std::uint64_t open_connections = 0;  ///< sampled when the window closed
  std::uint64_t gap_seqs = 0;
  std::uint64_t unannounced_losses = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t reorders = 0;
  window_resources resources;
};

/// Derives a row from a window's sample. `end - start` must be > 0.
window_row make_row(std::size_t index, std::chrono::nanoseconds start, std::chrono::nanoseconds end,
                    const window_sample& s, std::uint64_t open_connections,
                    const window_resources& resources = {});

inline double us_to_ms(std::uint64_t us) noexcept {
  return static_cast<double>(us) / 1000.0;
}

}  // namespace sse::load
