#include "load/gate/gate.hpp"

#include <gtest/gtest.h>

namespace sse::load {
namespace {

using namespace std::chrono_literals;

/// A window where `ok` of `attempts` resumes succeeded, `trimmed` of `appended` were trimmed,
/// and `delivered` live events arrived after `latency_us` each.
window_sample make_sample(std::uint64_t attempts, std::uint64_t ok, std::uint64_t appended,
                          std::uint64_t trimmed, std::uint64_t delivered,
                          std::uint64_t latency_us = 1000) {
  window_sample s;
  for (std::uint64_t i = 0; i < attempts; ++i) {
    s.record_resume(i < ok ? resume_outcome::success : resume_outcome::http_error, 2000us);
  }
  s.events_appended = appended;
  s.events_trimmed = trimmed;
  s.events_delivered = delivered;
  for (std::uint64_t i = 0; i < delivered; ++i) {
    s.deliver_latency_us.record(latency_us);
  }
  return s;
}

const rule_result& rule(const run_report& r, const std::string& name) {
  for (const auto& x : r.rules) {
    if (x.name == name) {
      return x;
    }
  }
  throw std::runtime_error("no rule " + name);
}

TEST(gate, healthy_run_passes_every_rule_with_exact_aggregates) {
  gate g(thresholds{}, 10s);
  for (int w = 0; w < 6; ++w) {
    EXPECT_EQ(g.next_window_end(), 10s * (w + 1));
    auto f = g.close_window(g.next_window_end(), make_sample(100, 100, 1000, 0, 100), 500 + w);
    EXPECT_FALSE(f);
  }
  const run_report r = g.finish();
  EXPECT_TRUE(r.pass);
  EXPECT_FALSE(r.first_failure);
  EXPECT_EQ(r.rules.size(), 12u);
  for (const auto& x : r.rules) {
    EXPECT_TRUE(x.pass) << x.name;
  }
  const run_aggregates& a = r.aggregates;
  EXPECT_DOUBLE_EQ(a.duration_s, 60.0);
  EXPECT_EQ(a.windows, 6u);
  EXPECT_EQ(a.totals.resume_attempts, 600u);
  EXPECT_DOUBLE_EQ(*a.resume_success_rate, 1.0);
  EXPECT_EQ(a.totals.events_appended, 6000u);
  EXPECT_DOUBLE_EQ(a.appended_per_s, 100.0);
  EXPECT_DOUBLE_EQ(a.delivered_per_s, 10.0);
  EXPECT_EQ(a.peak_open_connections, 505u);
  EXPECT_DOUBLE_EQ(a.longest_resume_ms, 2.0);
  EXPECT_DOUBLE_EQ(*rule(r, "run_deliver_latency_p95_ms").value, 1.0);
  EXPECT_DOUBLE_EQ(*rule(r, "window_resume_success_rate").value, 1.0);
  EXPECT_DOUBLE_EQ(*rule(r, "run_resume_attempts").value, 600.0);
  EXPECT_EQ(rule(r, "run_resume_success_rate").comparison, ">=");
  EXPECT_EQ(rule(r, "window_trim_rate").comparison, "<=");
  ASSERT_EQ(g.rows().size(), 6u);
  EXPECT_EQ(g.rows()[5].index, 6u);
  EXPECT_DOUBLE_EQ(g.rows()[5].start_s, 50.0);
}

TEST(gate, window_success_rule_fires_in_the_window_that_drops_below) {
  gate g(thresholds{}, 10s);
  EXPECT_FALSE(g.close_window(10s, make_sample(20, 20, 100, 0, 10), 1));
  EXPECT_FALSE(g.close_window(20s, make_sample(0, 0, 100, 0, 10), 1));
  // 19 of 20 = 0.95 is not below 0.95.
  EXPECT_FALSE(g.close_window(30s, make_sample(20, 19, 100, 0, 10), 1));
  auto f = g.close_window(40s, make_sample(20, 18, 100, 0, 10), 1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 4u);
  EXPECT_EQ(f->rule, "window_resume_success_rate");
  EXPECT_EQ(f->metric, "resume_success_rate");
  EXPECT_DOUBLE_EQ(f->value, 0.9);
  EXPECT_DOUBLE_EQ(f->threshold, 0.95);
  EXPECT_EQ(f->message,
            "window 4 (30.0-40.0 s): resume_success_rate = 0.9 < threshold 0.95 "
            "(18 of 20 resumes succeeded)");
  const run_report r = g.finish();
  EXPECT_FALSE(r.pass);
  ASSERT_TRUE(r.first_failure);
  EXPECT_EQ(r.first_failure->window, 4u);
  EXPECT_FALSE(rule(r, "window_resume_success_rate").pass);
  EXPECT_DOUBLE_EQ(*rule(r, "window_resume_success_rate").value, 0.9);
}

TEST(gate, window_success_rule_needs_min_attempts) {
  thresholds t;
  t.window_min_resume_attempts = 5;
  gate g(t, 10s);
  EXPECT_FALSE(g.close_window(10s, make_sample(4, 2, 100, 0, 10), 1));
  auto f = g.close_window(20s, make_sample(5, 4, 100, 0, 10), 1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 2u);
  EXPECT_DOUBLE_EQ(f->value, 0.8);
}

TEST(gate, trim_rule_fires_above_threshold_only) {
  gate g(thresholds{}, 2s);
  // 10 of 1000 = 0.01 is not above 0.01.
  EXPECT_FALSE(g.close_window(2s, make_sample(1, 1, 1000, 10, 10), 1));
  auto f = g.close_window(4s, make_sample(1, 1, 1000, 11, 10), 1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 2u);
  EXPECT_EQ(f->rule, "window_trim_rate");
  EXPECT_EQ(f->metric, "trim_rate");
  EXPECT_DOUBLE_EQ(f->value, 0.011);
  EXPECT_DOUBLE_EQ(f->threshold, 0.01);
  EXPECT_EQ(f->message,
            "window 2 (2.0-4.0 s): trim_rate = 0.011 > threshold 0.01 "
            "(11 of 1000 events trimmed)");
  EXPECT_DOUBLE_EQ(*rule(g.finish(), "window_trim_rate").value, 0.011);
}

// A gateway refusing most appends: the window fails on the share of failed requests, however
// well the few accepted events were delivered.
TEST(gate, append_error_rule_fails_the_window_where_most_appends_are_refused) {
  gate g(thresholds{}, 2s);
  window_sample ok = make_sample(10, 10, 1000, 0, 1000);
  ok.append_requests = 1000;
  ok.append_errors = 10;  // 0.01 is not above 0.01
  EXPECT_FALSE(g.close_window(2s, ok, 1));
  window_sample refused = make_sample(10, 10, 1, 0, 10);
  refused.append_requests = 100;
  refused.append_errors = 99;
  auto f = g.close_window(4s, refused, 1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 2u);
  EXPECT_EQ(f->rule, "window_append_error_rate");
  EXPECT_EQ(f->metric, "append_error_rate");
  EXPECT_DOUBLE_EQ(f->value, 0.99);
  EXPECT_DOUBLE_EQ(f->threshold, 0.01);
  EXPECT_EQ(f->message,
            "window 2 (2.0-4.0 s): append_error_rate = 0.99 > threshold 0.01 "
            "(99 of 100 create/append/end requests failed)");
  const run_report r = g.finish();
  EXPECT_FALSE(r.pass);
  EXPECT_FALSE(rule(r, "window_append_error_rate").pass);
  EXPECT_DOUBLE_EQ(*rule(r, "window_append_error_rate").value, 0.99);
  EXPECT_DOUBLE_EQ(r.aggregates.append_error_rate, 109.0 / 1100.0);
}

// The count floors scale with the load the flags asked for: 1 % of it is "more than zero" but
// fails, the configured load itself passes.
TEST(gate, run_floors_are_fractions_of_the_configured_load) {
  configured_load load;
  load.appended_per_s = 100;
  load.delivered_per_s = 1000;
  load.resume_attempts_per_s = 10;
  load.warmup_s = 2;  // the floors of deliveries and resumes count 10 - 2 = 8 s
  {
    gate g(thresholds{}, 10s, load);
    EXPECT_FALSE(g.close_window(10s, make_sample(80, 80, 1000, 0, 8000), 1));
    const run_report r = g.finish();
    EXPECT_TRUE(r.pass) << (r.first_failure ? r.first_failure->message : "");
    EXPECT_DOUBLE_EQ(rule(r, "run_events_appended").threshold, 500.0);    // 0.5 of 100/s x 10 s
    EXPECT_DOUBLE_EQ(rule(r, "run_events_delivered").threshold, 2000.0);  // 0.25 of 1000/s x 8 s
    EXPECT_DOUBLE_EQ(rule(r, "run_resume_attempts").threshold, 20.0);     // 0.25 of 10/s x 8 s
  }
  {
    gate g(thresholds{}, 10s, load);
    EXPECT_FALSE(g.close_window(10s, make_sample(8, 8, 10, 0, 80), 1));
    const run_report r = g.finish();
    EXPECT_FALSE(r.pass);
    EXPECT_FALSE(rule(r, "run_events_appended").pass);
    EXPECT_FALSE(rule(r, "run_events_delivered").pass);
    EXPECT_FALSE(rule(r, "run_resume_attempts").pass);
    EXPECT_EQ(r.first_failure->rule, "run_events_appended");
    EXPECT_EQ(r.first_failure->message, "end of run: events_appended = 10 < threshold 500");
  }
  {
    // The absolute minimum still applies when it is the larger.
    thresholds t;
    t.run_min_resume_attempts = 50;
    gate g(t, 10s, load);
    EXPECT_FALSE(g.close_window(10s, make_sample(40, 40, 1000, 0, 8000), 1));
    EXPECT_DOUBLE_EQ(rule(g.finish(), "run_resume_attempts").threshold, 50.0);
  }
}

TEST(gate, resume_latency_rule_fires_as_it_happens) {
  gate g(thresholds{}, 10s);
  EXPECT_FALSE(g.close_window(10s, make_sample(5, 5, 10, 0, 10), 1));
  EXPECT_FALSE(g.check_resume_latency(14s, 14s));
  EXPECT_FALSE(g.check_resume_latency(15s, 15s));  // equal is allowed
  auto f = g.check_resume_latency(25s, 15001ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 3u);
  EXPECT_EQ(f->rule, "resume_latency_max_ms");
  EXPECT_DOUBLE_EQ(f->value, 15001.0);
  EXPECT_DOUBLE_EQ(f->threshold, 15000.0);
  EXPECT_EQ(f->message,
            "window 3 (20.0-30.0 s): resume_latency_max_ms = 15001 > threshold 15000 "
            "(one resume attempt took longer)");
  // The run keeps the first failure, even when a later window breaks another rule.
  g.close_window(20s, make_sample(10, 1, 10, 0, 10), 1);
  const run_report r = g.finish();
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.first_failure->rule, "resume_latency_max_ms");
  EXPECT_DOUBLE_EQ(r.aggregates.longest_resume_ms, 15001.0);
  EXPECT_FALSE(rule(r, "resume_latency_max_ms").pass);
}

TEST(gate, slow_resume_in_samples_fails_its_window) {
  gate g(thresholds{}, 10s);
  window_sample s = make_sample(3, 3, 10, 0, 10);
  s.record_resume(resume_outcome::success, 16s);
  auto f = g.close_window(10s, s, 1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->window, 1u);
  EXPECT_EQ(f->metric, "resume_latency_max_ms");
  EXPECT_DOUBLE_EQ(f->value, 16000.0);
}

TEST(gate, run_success_rate_below_98_percent_fails_at_the_end) {
  gate g(thresholds{}, 10s);
  EXPECT_FALSE(g.close_window(10s, make_sample(50, 49, 100, 0, 10), 1));  // 0.98
  EXPECT_FALSE(g.close_window(20s, make_sample(50, 48, 100, 0, 10), 1));  // 0.96
  const run_report r = g.finish();
  EXPECT_FALSE(r.pass);
  ASSERT_TRUE(r.first_failure);
  EXPECT_EQ(r.first_failure->window, 0u);
  EXPECT_EQ(r.first_failure->rule, "run_resume_success_rate");
  EXPECT_DOUBLE_EQ(r.first_failure->value, 0.97);
  EXPECT_EQ(r.first_failure->message, "end of run: resume_success_rate = 0.97 < threshold 0.98");
  EXPECT_TRUE(rule(r, "window_resume_success_rate").pass);
  EXPECT_DOUBLE_EQ(*rule(r, "window_resume_success_rate").value, 0.96);
}

TEST(gate, p95_deliver_latency_rule) {
  thresholds t;
  t.run_max_p95_deliver_latency_ms = 100;
  gate g(t, 10s);
  window_sample s = make_sample(10, 10, 100, 0, 0);
  for (int i = 0; i < 95; ++i) {
    s.deliver_latency_us.record(51'200);
  }
  for (int i = 0; i < 5; ++i) {
    s.deliver_latency_us.record(409'600);
  }
  s.events_delivered = 100;
  EXPECT_FALSE(g.close_window(10s, s, 1));
  run_report r = g.finish();
  EXPECT_TRUE(r.pass);  // rank 95 is still 51.2 ms
  EXPECT_DOUBLE_EQ(*rule(r, "run_deliver_latency_p95_ms").value, 51.2);

  window_sample slow;
  slow.events_delivered = 10;
  for (int i = 0; i < 10; ++i) {
    slow.deliver_latency_us.record(409'600);
  }
  EXPECT_FALSE(g.close_window(20s, slow, 1));
  r = g.finish();
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.first_failure->rule, "run_deliver_latency_p95_ms");
  EXPECT_DOUBLE_EQ(r.first_failure->value, 409.6);
  EXPECT_EQ(r.first_failure->message, "end of run: deliver_latency_p95_ms = 409.6 > threshold 100");
}

TEST(gate, any_violation_fails_the_run) {
  for (violation v : {violation::unannounced_loss, violation::duplicate, violation::reorder}) {
    gate g(thresholds{}, 10s);
    window_sample s = make_sample(10, 10, 100, 0, 10);
    s.record_violation(v);
    EXPECT_FALSE(g.close_window(10s, s, 1));  // not a fail-fast rule
    const run_report r = g.finish();
    EXPECT_FALSE(r.pass);
    const char* expected = v == violation::unannounced_loss ? "run_unannounced_losses"
                           : v == violation::duplicate      ? "run_duplicates"
                                                            : "run_reorders";
    EXPECT_EQ(r.first_failure->rule, expected);
    EXPECT_DOUBLE_EQ(r.first_failure->value, 1.0);
    EXPECT_DOUBLE_EQ(r.first_failure->threshold, 0.0);
  }
}

TEST(gate, idle_run_fails_for_lack_of_resumes_and_deliveries) {
  gate g(thresholds{}, 10s);
  EXPECT_FALSE(g.close_window(10s, window_sample{}, 0));
  const run_report r = g.finish();
  EXPECT_FALSE(r.pass);
  EXPECT_FALSE(rule(r, "run_resume_attempts").pass);
  EXPECT_FALSE(rule(r, "run_events_delivered").pass);
  // Rules without a measured value pass: the count rules above carry the failure.
  EXPECT_TRUE(rule(r, "run_resume_success_rate").pass);
  EXPECT_FALSE(rule(r, "run_resume_success_rate").value);
  EXPECT_TRUE(rule(r, "run_deliver_latency_p95_ms").pass);
}

TEST(gate, partial_last_window_and_window_index) {
  gate g(thresholds{}, 10s);
  EXPECT_EQ(g.window_at(0s), 1u);
  EXPECT_EQ(g.window_at(9999ms), 1u);
  EXPECT_EQ(g.window_at(10s), 2u);
  EXPECT_FALSE(g.close_window(10s, make_sample(1, 1, 10, 0, 100), 1));
  EXPECT_FALSE(g.close_window(15s, make_sample(1, 1, 10, 0, 100), 1));
  ASSERT_EQ(g.rows().size(), 2u);
  EXPECT_DOUBLE_EQ(g.rows()[1].start_s, 10.0);
  EXPECT_DOUBLE_EQ(g.rows()[1].end_s, 15.0);
  EXPECT_DOUBLE_EQ(g.rows()[1].delivered_per_s, 20.0);
  EXPECT_DOUBLE_EQ(g.finish().aggregates.duration_s, 15.0);
}

}  // namespace
}  // namespace sse::load
