#include "load/gate/window.hpp"

#include <gtest/gtest.h>

namespace sse::load {
namespace {

using namespace std::chrono_literals;

TEST(window_row, every_metric_from_a_sample) {
  window_sample s;
  for (int i = 0; i < 38; ++i) {
    s.record_resume(resume_outcome::success, 100us);
  }
  s.record_resume(resume_outcome::http_error, 2000us);
  s.record_resume(resume_outcome::timeout, 12000us);
  s.events_appended = 1000;
  s.events_trimmed = 5;
  s.append_errors = 2;
  s.append_requests = 400;
  s.events_delivered = 20000;
  s.events_replayed = 300;
  s.gap_seqs = 7;
  s.record_violation(violation::duplicate);
  s.record_violation(violation::reorder);
  s.record_violation(violation::reorder);
  for (int i = 0; i < 90; ++i) {
    s.deliver_latency_us.record(1000);
  }
  for (int i = 0; i < 5; ++i) {
    s.deliver_latency_us.record(2000);
  }
  for (int i = 0; i < 5; ++i) {
    s.deliver_latency_us.record(4000);
  }

  const window_row r = make_row(3, 20s, 30s, s, 1234);
  EXPECT_EQ(r.index, 3u);
  EXPECT_DOUBLE_EQ(r.start_s, 20.0);
  EXPECT_DOUBLE_EQ(r.end_s, 30.0);
  EXPECT_EQ(r.resume_attempts, 40u);
  EXPECT_EQ(r.resume_successes, 38u);
  ASSERT_TRUE(r.resume_success_rate);
  EXPECT_DOUBLE_EQ(*r.resume_success_rate, 0.95);
  EXPECT_EQ(r.resume_outcomes[static_cast<std::size_t>(resume_outcome::http_error)], 1u);
  EXPECT_EQ(r.resume_outcomes[static_cast<std::size_t>(resume_outcome::timeout)], 1u);
  EXPECT_EQ(r.events_appended, 1000u);
  EXPECT_EQ(r.events_trimmed, 5u);
  EXPECT_DOUBLE_EQ(r.trim_rate, 0.005);
  EXPECT_EQ(r.append_errors, 2u);
  EXPECT_EQ(r.append_requests, 400u);
  EXPECT_DOUBLE_EQ(r.append_error_rate, 0.005);
  ASSERT_TRUE(r.resume_latency_max_ms);
  EXPECT_DOUBLE_EQ(*r.resume_latency_max_ms, 12.0);
  // 40 attempts: rank ceil(0.95 * 40) = 38 is the last 100 us one.
  EXPECT_DOUBLE_EQ(*r.resume_latency_p95_ms, 0.1);
  EXPECT_DOUBLE_EQ(*r.deliver_latency_p50_ms, 1.0);
  EXPECT_DOUBLE_EQ(*r.deliver_latency_p95_ms, 2.0);
  EXPECT_DOUBLE_EQ(*r.deliver_latency_p99_ms, 4.0);
  EXPECT_EQ(r.events_delivered, 20000u);
  EXPECT_EQ(r.events_replayed, 300u);
  EXPECT_DOUBLE_EQ(r.delivered_per_s, 2000.0);
  EXPECT_DOUBLE_EQ(r.appended_per_s, 100.0);
  EXPECT_EQ(r.open_connections, 1234u);
  EXPECT_EQ(r.gap_seqs, 7u);
  EXPECT_EQ(r.unannounced_losses, 0u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.reorders, 2u);
}

TEST(window_row, empty_window_has_no_rates_or_latencies) {
  const window_row r = make_row(1, 0s, 10s, window_sample{}, 0);
  EXPECT_FALSE(r.resume_success_rate);
  EXPECT_DOUBLE_EQ(r.trim_rate, 0.0);
  EXPECT_FALSE(r.resume_latency_max_ms);
  EXPECT_FALSE(r.resume_latency_p95_ms);
  EXPECT_FALSE(r.deliver_latency_p50_ms);
  EXPECT_FALSE(r.deliver_latency_p95_ms);
  EXPECT_FALSE(r.deliver_latency_p99_ms);
  EXPECT_DOUBLE_EQ(r.delivered_per_s, 0.0);
}

TEST(window_row, partial_window_rates_use_its_own_length) {
  window_sample s;
  s.events_delivered = 500;
  s.events_appended = 50;
  const window_row r = make_row(4, 30s, 32500ms, s, 0);
  EXPECT_DOUBLE_EQ(r.delivered_per_s, 200.0);
  EXPECT_DOUBLE_EQ(r.appended_per_s, 20.0);
}

TEST(window_sample, merge_adds_everything_and_clear_resets) {
  window_sample a;
  window_sample b;
  a.record_resume(resume_outcome::success, 10us);
  b.record_resume(resume_outcome::reset, 20us);
  a.events_appended = 3;
  b.events_appended = 4;
  b.events_trimmed = 1;
  a.events_delivered = 5;
  b.events_delivered = 6;
  b.events_replayed = 2;
  b.gap_seqs = 9;
  b.record_violation(violation::unannounced_loss);
  a.deliver_latency_us.record(7);
  b.deliver_latency_us.record(8);
  a.merge(b);
  EXPECT_EQ(a.resume_attempts, 2u);
  EXPECT_EQ(a.resume_successes(), 1u);
  EXPECT_EQ(a.resume_outcomes[static_cast<std::size_t>(resume_outcome::reset)], 1u);
  EXPECT_EQ(a.events_appended, 7u);
  EXPECT_EQ(a.events_trimmed, 1u);
  EXPECT_EQ(a.events_delivered, 11u);
  EXPECT_EQ(a.events_replayed, 2u);
  EXPECT_EQ(a.gap_seqs, 9u);
  EXPECT_EQ(a.unannounced_losses, 1u);
  EXPECT_EQ(a.resume_latency_us.count(), 2u);
  EXPECT_EQ(a.resume_latency_us.max(), 20u);
  EXPECT_EQ(a.deliver_latency_us.count(), 2u);
  a.clear();
  EXPECT_EQ(a.resume_attempts, 0u);
  EXPECT_EQ(a.events_delivered, 0u);
  EXPECT_EQ(a.resume_latency_us.count(), 0u);
}

TEST(outcome_name, every_outcome_named) {
  EXPECT_EQ(outcome_name(resume_outcome::success), "success");
  EXPECT_EQ(outcome_name(resume_outcome::http_error), "http_error");
  EXPECT_EQ(outcome_name(resume_outcome::timeout), "timeout");
  EXPECT_EQ(outcome_name(resume_outcome::unannounced_loss), "unannounced_loss");
  EXPECT_EQ(outcome_name(resume_outcome::duplicate), "duplicate");
  EXPECT_EQ(outcome_name(resume_outcome::reorder), "reorder");
  EXPECT_EQ(outcome_name(resume_outcome::reset), "reset");
}

}  // namespace
}  // namespace sse::load
