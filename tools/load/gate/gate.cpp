#include "load/gate/gate.hpp"

#include <algorithm>
#include <cstdio>

namespace sse::load {
namespace {

using seconds_d = std::chrono::duration<double>;
using millis_d = std::chrono::duration<double, std::milli>;

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

gate::gate(thresholds t, std::chrono::nanoseconds window_length, configured_load load)
    : limits_(t), window_length_(window_length), load_(load) {}

std::chrono::nanoseconds gate::next_window_end() const noexcept {
  return window_length_ * static_cast<long>(rows_.size() + 1);
}

std::size_t gate::window_at(std::chrono::nanoseconds t) const noexcept {
  if (t.count() < 0) {
    return 1;
  }
  return static_cast<std::size_t>(t / window_length_) + 1;
}

std::string gate::window_label(std::size_t index) const {
  const double start = seconds_d(window_length_).count() * static_cast<double>(index - 1);
  const double end = start + seconds_d(window_length_).count();
  char buf[96];
  std::snprintf(buf, sizeof buf, "window %zu (%.1f-%.1f s)", index, start, end);
  return buf;
}

std::optional<gate_failure> gate::fail(gate_failure f) {
  if (!first_failure_) {
    first_failure_ = f;
  }
  return f;
}

std::optional<gate_failure> gate::close_window(std::chrono::nanoseconds end, const window_sample& s,
                                               std::uint64_t open_connections,
                                               const window_resources& resources) {
  const std::size_t index = rows_.size() + 1;
  const auto start = closed_until_;
  closed_until_ = std::max(end, start);
  window_row row = make_row(index, start, closed_until_, s, open_connections, resources);
  totals_.merge(s);
  peak_open_connections_ = std::max(peak_open_connections_, open_connections);
  if (row.resume_latency_max_ms) {
    longest_resume_ms_ = std::max(longest_resume_ms_, *row.resume_latency_max_ms);
  }
  max_window_trim_rate_ = std::max(max_window_trim_rate_, row.trim_rate);
  max_window_append_error_rate_ = std::max(max_window_append_error_rate_, row.append_error_rate);
  const bool success_rule_applies =
      row.resume_success_rate && row.resume_attempts >= limits_.window_min_resume_attempts;
  if (success_rule_applies) {
    min_window_success_ = std::min(min_window_success_.value_or(1.0), *row.resume_success_rate);
  }
  rows_.push_back(row);

  std::optional<gate_failure> result;
  // Refused appends first: they starve every other metric, which would otherwise be blamed.
  if (row.append_error_rate > limits_.window_max_append_error_rate) {
    result = fail(
        {index, "window_append_error_rate", "append_error_rate", row.append_error_rate,
         limits_.window_max_append_error_rate,
         window_label(index) + ": append_error_rate = " + format_number(row.append_error_rate) +
             " > threshold " + format_number(limits_.window_max_append_error_rate) + " (" +
             std::to_string(row.append_errors) + " of " + std::to_string(row.append_requests) +
             " create/append/end requests failed)"});
  } else if (success_rule_applies &&
             *row.resume_success_rate < limits_.window_min_resume_success_rate) {
    const double v = *row.resume_success_rate;
    result = fail({index, "window_resume_success_rate", "resume_success_rate", v,
                   limits_.window_min_resume_success_rate,
                   window_label(index) + ": resume_success_rate = " + format_number(v) +
                       " < threshold " + format_number(limits_.window_min_resume_success_rate) +
                       " (" + std::to_string(row.resume_successes) + " of " +
                       std::to_string(row.resume_attempts) + " resumes succeeded)"});
  } else if (row.trim_rate > limits_.window_max_trim_rate) {
    result =
        fail({index, "window_trim_rate", "trim_rate", row.trim_rate, limits_.window_max_trim_rate,
              window_label(index) + ": trim_rate = " + format_number(row.trim_rate) +
                  " > threshold " + format_number(limits_.window_max_trim_rate) + " (" +
                  std::to_string(row.events_trimmed) + " of " +
                  std::to_string(row.events_appended) + " events trimmed)"});
  } else if (row.resume_latency_max_ms &&
             *row.resume_latency_max_ms > limits_.max_resume_latency_ms) {
    // Normally caught earlier by check_resume_latency; kept so that a sample-only caller (the
    // unit tests, a replay of recorded samples) sees the same verdict.
    const double v = *row.resume_latency_max_ms;
    result = fail({index, "resume_latency_max_ms", "resume_latency_max_ms", v,
                   limits_.max_resume_latency_ms,
                   window_label(index) + ": resume_latency_max_ms = " + format_number(v) +
                       " > threshold " + format_number(limits_.max_resume_latency_ms)});
  }
  return result;
}

std::optional<gate_failure> gate::check_resume_latency(std::chrono::nanoseconds now,
                                                       std::chrono::nanoseconds longest) {
  const double ms = millis_d(longest).count();
  longest_resume_ms_ = std::max(longest_resume_ms_, ms);
  if (ms <= limits_.max_resume_latency_ms) {
    return std::nullopt;
  }
  const std::size_t index = window_at(now);
  return fail(
      {index, "resume_latency_max_ms", "resume_latency_max_ms", ms, limits_.max_resume_latency_ms,
       window_label(index) + ": resume_latency_max_ms = " + format_number(ms) + " > threshold " +
           format_number(limits_.max_resume_latency_ms) + " (one resume attempt took longer)"});
}

run_report gate::finish() const {
  run_report report;
  run_aggregates& a = report.aggregates;
  a.duration_s = seconds_d(closed_until_).count();
  a.windows = rows_.size();
  a.totals = totals_;
  if (totals_.resume_attempts > 0) {
    a.resume_success_rate = static_cast<double>(totals_.resume_successes()) /
                            static_cast<double>(totals_.resume_attempts);
  }
  a.trim_rate = totals_.events_appended == 0 ? 0.0
                                             : static_cast<double>(totals_.events_trimmed) /
                                                   static_cast<double>(totals_.events_appended);
  a.append_error_rate = totals_.append_requests == 0
                            ? 0.0
                            : static_cast<double>(totals_.append_errors) /
                                  static_cast<double>(totals_.append_requests);
  a.max_window_append_error_rate = max_window_append_error_rate_;
  if (a.duration_s > 0) {
    a.delivered_per_s = static_cast<double>(totals_.events_delivered) / a.duration_s;
    a.appended_per_s = static_cast<double>(totals_.events_appended) / a.duration_s;
  }
  a.peak_open_connections = peak_open_connections_;
  a.longest_resume_ms = longest_resume_ms_;
  a.min_window_resume_success_rate = min_window_success_;
  a.max_window_trim_rate = max_window_trim_rate_;

  const thresholds& t = limits_;
  auto at_least = [](std::optional<double> v, double th) { return !v || *v >= th; };
  auto at_most = [](std::optional<double> v, double th) { return !v || *v <= th; };
  auto add = [&](std::string name, std::string scope, std::string metric, bool minimum,
                 std::optional<double> value, double threshold) {
    rule_result r{std::move(name),
                  std::move(scope),
                  std::move(metric),
                  minimum ? ">=" : "<=",
                  value,
                  threshold,
                  true};
    r.pass = minimum ? at_least(value, threshold) : at_most(value, threshold);
    report.rules.push_back(std::move(r));
  };
  auto count = [](std::uint64_t v) { return static_cast<double>(v); };

  std::optional<double> p95;
  if (totals_.deliver_latency_us.count() > 0) {
    p95 = us_to_ms(totals_.deliver_latency_us.percentile(95));
  }
  add("window_resume_success_rate", "window", "resume_success_rate", true, min_window_success_,
      t.window_min_resume_success_rate);
  add("window_trim_rate", "window", "trim_rate", false, max_window_trim_rate_,
      t.window_max_trim_rate);
  add("window_append_error_rate", "window", "append_error_rate", false,
      max_window_append_error_rate_, t.window_max_append_error_rate);
  add("resume_latency_max_ms", "attempt", "resume_latency_max_ms", false, longest_resume_ms_,
      t.max_resume_latency_ms);
  add("run_resume_success_rate", "run", "resume_success_rate", true, a.resume_success_rate,
      t.run_min_resume_success_rate);
  add("run_deliver_latency_p95_ms", "run", "deliver_latency_p95_ms", false, p95,
      t.run_max_p95_deliver_latency_ms);
  add("run_unannounced_losses", "run", "unannounced_losses", false,
      count(totals_.unannounced_losses), count(t.run_max_unannounced_losses));
  add("run_duplicates", "run", "duplicates", false, count(totals_.duplicates),
      count(t.run_max_duplicates));
  add("run_reorders", "run", "reorders", false, count(totals_.reorders), count(t.run_max_reorders));
  // The count floors: the larger of the absolute minimum and the fraction of what the
  // configured load should have produced in the time the run lasted.
  const double loaded_s = std::max(0.0, a.duration_s - load_.warmup_s);
  add("run_events_appended", "run", "events_appended", true, count(totals_.events_appended),
      t.run_min_appended_fraction * load_.appended_per_s * a.duration_s);
  add("run_resume_attempts", "run", "resume_attempts", true, count(totals_.resume_attempts),
      std::max(count(t.run_min_resume_attempts),
               t.run_min_resume_attempts_fraction * load_.resume_attempts_per_s * loaded_s));
  add("run_events_delivered", "run", "events_delivered", true, count(totals_.events_delivered),
      std::max(count(t.run_min_events_delivered),
               t.run_min_delivered_fraction * load_.delivered_per_s * loaded_s));

  report.first_failure = first_failure_;
  report.pass = !first_failure_.has_value();
  for (const rule_result& r : report.rules) {
    if (r.pass) {
      continue;
    }
    report.pass = false;
    if (!report.first_failure) {
      report.first_failure =
          gate_failure{0,
                       r.name,
                       r.metric,
                       r.value.value_or(0),
                       r.threshold,
                       "end of run: " + r.metric + " = " + format_number(r.value.value_or(0)) +
                           (r.comparison == ">=" ? " < threshold " : " > threshold ") +
                           format_number(r.threshold)};
    }
  }
  return report;
}

}  // namespace sse::load
