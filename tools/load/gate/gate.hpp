#pragma once
// The performance gate as pure window arithmetic: window samples and elapsed time go
// in, time-series rows, fail-fast failures and the end-of-run verdict come out. The load tool
// owns the clock and the sockets; this class never reads either, so the unit tests drive it with
// synthetic samples.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load/gate/thresholds.hpp"
#include "load/gate/window.hpp"

namespace sse::load {

/// The first rule a run broke.
struct gate_failure {
  std::size_t window = 0;  ///< 1-based window it fired in; 0: the end-of-run rules
  std::string rule;        ///< rule name, as in rule_result::name
  std::string metric;      ///< the metric's name in the time series / aggregates
  double value = 0;
  double threshold = 0;
  std::string message;  ///< one line naming window, metric, value and threshold
};

/// One rule of the verdict, as written into summary.json.
struct rule_result {
  std::string name;
  std::string scope;  ///< "window", "attempt" (checked as it happens) or "run"
  std::string metric;
  std::string comparison;       ///< ">=" or "<=": the value must compare so with the threshold
  std::optional<double> value;  ///< none when nothing was measured (the rule then passes)
  double threshold = 0;
  bool pass = true;
};

/// The load the tool was told to drive, per second of the run. The run floors are fractions of
/// what it should have produced over the run's duration, so that a gateway doing a little of it
/// (refusing most appends, delivering a trickle) fails. All zero: no fractional floor applies.
struct configured_load {
  double appended_per_s = 0;         ///< events appended (--rate)
  double delivered_per_s = 0;        ///< events delivered: each to every subscriber of its stream
  double resume_attempts_per_s = 0;  ///< every subscriber resumes about once per cut cycle
  double warmup_s = 0;  ///< subscribers start within this: not counted for deliveries, resumes
};

/// Figures over the whole run (all closed windows).
struct run_aggregates {
  double duration_s = 0;
  std::size_t windows = 0;
  window_sample totals;  ///< every window merged
  std::optional<double> resume_success_rate;
  double trim_rate = 0;
  double append_error_rate = 0;  ///< append_errors / append_requests, 0 without requests
  double max_window_append_error_rate = 0;
  double delivered_per_s = 0;
  double appended_per_s = 0;
  std::uint64_t peak_open_connections = 0;
  double longest_resume_ms = 0;  ///< including attempts seen pending by check_resume_latency
  std::optional<double> min_window_resume_success_rate;  ///< over windows the rule applies to
  double max_window_trim_rate = 0;
};

struct run_report {
  run_aggregates aggregates;
  std::vector<rule_result> rules;
  std::optional<gate_failure> first_failure;  ///< the fail-fast one, else the first run rule
  bool pass = false;
};

class gate {
 public:
  /// window_length must be > 0.
  gate(thresholds t, std::chrono::nanoseconds window_length, configured_load load = {});

  const thresholds& limits() const noexcept { return limits_; }
  std::chrono::nanoseconds window_length() const noexcept { return window_length_; }
  /// End of the window now open (time since the run started).
  std::chrono::nanoseconds next_window_end() const noexcept;
  /// 1-based index of the window containing time t.
  std::size_t window_at(std::chrono::nanoseconds t) const noexcept;

  /// Closes the window now open at `end` (normally next_window_end(); earlier for the last,
  /// partial window or when the run stops) with what was observed in it. Applies the window
  /// rules; returns the failure when this window breaks one (also kept as the run's first
  /// failure if there was none yet).
  std::optional<gate_failure> close_window(std::chrono::nanoseconds end, const window_sample& s,
                                           std::uint64_t open_connections);

  /// The resume-latency rule, applied as it happens: `longest` is the age at `now` of the
  /// oldest resume attempt still pending, or the latency of one that just completed.
  std::optional<gate_failure> check_resume_latency(std::chrono::nanoseconds now,
                                                   std::chrono::nanoseconds longest);

  const std::vector<window_row>& rows() const noexcept { return rows_; }
  const std::optional<gate_failure>& first_failure() const noexcept { return first_failure_; }

  /// The verdict over the windows closed so far: every rule with its value.
  run_report finish() const;

 private:
  std::optional<gate_failure> fail(gate_failure f);
  std::string window_label(std::size_t index) const;

  thresholds limits_;
  std::chrono::nanoseconds window_length_;
  configured_load load_;
  std::chrono::nanoseconds closed_until_{0};
  std::vector<window_row> rows_;
  window_sample totals_;
  std::uint64_t peak_open_connections_ = 0;
  double longest_resume_ms_ = 0;
  std::optional<double> min_window_success_;
  double max_window_trim_rate_ = 0;
  double max_window_append_error_rate_ = 0;
  std::optional<gate_failure> first_failure_;
};

}  // namespace sse::load
