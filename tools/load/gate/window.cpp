#include "load/gate/window.hpp"

namespace sse::load {

std::string_view outcome_name(resume_outcome o) noexcept {
  switch (o) {
    case resume_outcome::success:
      return "success";
    case resume_outcome::http_error:
      return "http_error";
    case resume_outcome::timeout:
      return "timeout";
    case resume_outcome::unannounced_loss:
      return "unannounced_loss";
    case resume_outcome::duplicate:
      return "duplicate";
    case resume_outcome::reorder:
      return "reorder";
    case resume_outcome::reset:
      return "reset";
  }
  return "unknown";
}

void window_sample::record_resume(resume_outcome o, std::chrono::microseconds latency) noexcept {
  ++resume_attempts;
  ++resume_outcomes[static_cast<std::size_t>(o)];
  resume_latency_us.record(static_cast<std::uint64_t>(latency.count() < 0 ? 0 : latency.count()));
}

void window_sample::record_violation(violation v) noexcept {
  switch (v) {
    case violation::unannounced_loss:
      ++unannounced_losses;
      break;
    case violation::duplicate:
      ++duplicates;
      break;
    case violation::reorder:
      ++reorders;
      break;
  }
}

void window_sample::merge(const window_sample& o) noexcept {
  resume_attempts += o.resume_attempts;
  for (std::size_t i = 0; i < resume_outcome_count; ++i) {
    resume_outcomes[i] += o.resume_outcomes[i];
  }
  events_appended += o.events_appended;
  events_trimmed += o.events_trimmed;
  append_errors += o.append_errors;
  append_requests += o.append_requests;
  events_delivered += o.events_delivered;
  events_replayed += o.events_replayed;
  gap_seqs += o.gap_seqs;
  unannounced_losses += o.unannounced_losses;
  duplicates += o.duplicates;
  reorders += o.reorders;
  resume_latency_us.merge(o.resume_latency_us);
  deliver_latency_us.merge(o.deliver_latency_us);
  resume_head_latency_us.merge(o.resume_head_latency_us);
}

void window_sample::clear() noexcept {
  resume_attempts = 0;
  resume_outcomes.fill(0);
  events_appended = events_trimmed = append_errors = append_requests = 0;
  events_delivered = events_replayed = gap_seqs = 0;
  unannounced_losses = duplicates = reorders = 0;
  resume_latency_us.clear();
  deliver_latency_us.clear();
  resume_head_latency_us.clear();
}

window_row make_row(std::size_t index, std::chrono::nanoseconds start, std::chrono::nanoseconds end,
                    const window_sample& s, std::uint64_t open_connections,
                    const window_resources& resources) {
  using seconds = std::chrono::duration<double>;
  window_row r;
  r.index = index;
  r.start_s = seconds(start).count();
  r.end_s = seconds(end).count();
  const double length = r.end_s - r.start_s;
  r.resume_attempts = s.resume_attempts;
  r.resume_successes = s.resume_successes();
  if (s.resume_attempts > 0) {
    r.resume_success_rate =
        static_cast<double>(r.resume_successes) / static_cast<double>(s.resume_attempts);
  }
  r.resume_outcomes = s.resume_outcomes;
  r.events_appended = s.events_appended;
  r.events_trimmed = s.events_trimmed;
  r.trim_rate = s.events_appended == 0 ? 0.0
                                       : static_cast<double>(s.events_trimmed) /
                                             static_cast<double>(s.events_appended);
  r.append_errors = s.append_errors;
  r.append_requests = s.append_requests;
  r.append_error_rate = s.append_requests == 0 ? 0.0
                                               : static_cast<double>(s.append_errors) /
                                                     static_cast<double>(s.append_requests);
  if (s.resume_latency_us.count() > 0) {
    r.resume_latency_max_ms = us_to_ms(s.resume_latency_us.max());
    r.resume_latency_p95_ms = us_to_ms(s.resume_latency_us.percentile(95));
  }
  if (s.deliver_latency_us.count() > 0) {
    r.deliver_latency_p50_ms = us_to_ms(s.deliver_latency_us.percentile(50));
    r.deliver_latency_p95_ms = us_to_ms(s.deliver_latency_us.percentile(95));
    r.deliver_latency_p99_ms = us_to_ms(s.deliver_latency_us.percentile(99));
  }
  r.events_delivered = s.events_delivered;
  r.events_replayed = s.events_replayed;
  r.delivered_per_s = length > 0 ? static_cast<double>(s.events_delivered) / length : 0.0;
  r.appended_per_s = length > 0 ? static_cast<double>(s.events_appended) / length : 0.0;
  r.open_connections = open_connections;
  r.gap_seqs = s.gap_seqs;
  r.unannounced_losses = s.unannounced_losses;
  r.duplicates = s.duplicates;
  r.reorders = s.reorders;
  r.resources = resources;
  return r;
}

}  // namespace sse::load
