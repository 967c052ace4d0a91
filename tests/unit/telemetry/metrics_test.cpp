#include "telemetry/metrics.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "telemetry/health_metrics.hpp"

namespace sse::telemetry {
namespace {

/// A Prometheus text exposition read back: samples by their full name with labels, and the
/// families that have a HELP and a TYPE line.
struct exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::set<std::string> helps;
  std::vector<std::string> problems;
};

exposition parse_exposition(const std::string& text) {
  exposition e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      if (!e.helps.insert(name).second) {
        e.problems.push_back("duplicate HELP " + name);
      }
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name;
      std::string type;
      f >> name >> type;
      if (!e.types.emplace(name, type).second) {
        e.problems.push_back("duplicate TYPE " + name);
      }
      continue;
    }
    const auto space = line.rfind(' ');
    if (line.empty() || space == std::string::npos) {
      e.problems.push_back("malformed line: " + line);
      continue;
    }
    const std::string key = line.substr(0, space);
    const std::string value = line.substr(space + 1);
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0') {
      e.problems.push_back("bad value: " + line);
    }
    // The family of a sample: its name without labels and without histogram suffixes.
    std::string family = key.substr(0, key.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (family.size() > s.size() && family.compare(family.size() - s.size(), s.size(), s) == 0 &&
          e.types.count(family.substr(0, family.size() - s.size())) &&
          e.types[family.substr(0, family.size() - s.size())] == "histogram") {
        family = family.substr(0, family.size() - s.size());
      }
    }
    if (!e.types.count(family)) {
      e.problems.push_back("sample before its TYPE: " + line);
    }
    e.samples[key] = v;
  }
  return e;
}

TEST(histogram, buckets_are_upper_inclusive_and_cumulative) {
  histogram h;
  h.observe(0.001);   // le 0.001 exactly
  h.observe(0.0011);  // le 0.0025
  h.observe(0.3);     // le 0.5
  h.observe(10.0);    // le 10
  h.observe(11.0);    // +Inf only
  h.observe(-1.0);    // a clock step: counted as 0
  std::string text;
  h.render(text, "lat_seconds", "Latency.");
  auto e = parse_exposition(text);
  EXPECT_TRUE(e.problems.empty()) << text;
  EXPECT_EQ(e.types["lat_seconds"], "histogram");
  EXPECT_TRUE(e.helps.count("lat_seconds"));
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"0.001\"}"], 2);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"0.0025\"}"], 3);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"0.005\"}"], 3);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"0.25\"}"], 3);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"0.5\"}"], 4);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"2.5\"}"], 4);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"10\"}"], 5);
  EXPECT_EQ(e.samples["lat_seconds_bucket{le=\"+Inf\"}"], 6);
  EXPECT_EQ(e.samples["lat_seconds_count"], 6);
  EXPECT_NEAR(e.samples["lat_seconds_sum"], 0.001 + 0.0011 + 0.3 + 10 + 11, 1e-6);
  EXPECT_EQ(h.count(), 6u);
}

TEST(histogram, renders_every_bound_in_order) {
  histogram h;
  std::string text;
  h.render(text, "x", "X.");
  std::size_t pos = 0;
  for (double b : histogram::bounds) {
    std::ostringstream label;
    label << "x_bucket{le=\"" << b << "\"} 0\n";
    const auto found = text.find(label.str(), pos);
    ASSERT_NE(found, std::string::npos) << label.str() << " in\n" << text;
    pos = found;
  }
  EXPECT_NE(text.find("x_bucket{le=\"+Inf\"} 0\n", pos), std::string::npos);
  EXPECT_NE(text.find("x_sum 0\n"), std::string::npos);
  EXPECT_NE(text.find("x_count 0\n"), std::string::npos);
}

TEST(histogram, empty_render_has_zero_counts) {
  histogram h;
  std::string text;
  h.render(text, "h", "H.");
  auto e = parse_exposition(text);
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(e.samples["h_count"], 0);
  EXPECT_EQ(e.samples["h_bucket{le=\"+Inf\"}"], 0);
}

TEST(metrics, render_has_every_metric_with_help_and_type) {
  metrics m;
  const auto e = parse_exposition(m.render_prometheus(0, 0, 0));
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
  const std::map<std::string, std::string> expected{
      {"sse_gateway_connections_open", "gauge"},
      {"sse_gateway_sse_connections_open", "gauge"},
      {"sse_gateway_http2_connections_open", "gauge"},
      {"sse_gateway_http2_streams_open", "gauge"},
      {"sse_gateway_http2_streams_total", "counter"},
      {"sse_gateway_http2_connection_errors_total", "counter"},
      {"sse_gateway_bytes_written_total", "counter"},
      {"sse_gateway_streams_active", "gauge"},
      {"sse_gateway_events_buffered", "gauge"},
      {"sse_gateway_bytes_buffered", "gauge"},
      {"sse_gateway_http_requests_total", "counter"},
      {"sse_gateway_bad_requests_total", "counter"},
      {"sse_gateway_streams_created_total", "counter"},
      {"sse_gateway_streams_ended_total", "counter"},
      {"sse_gateway_streams_expired_total", "counter"},
      {"sse_gateway_events_appended_total", "counter"},
      {"sse_gateway_events_delivered_total", "counter"},
      {"sse_gateway_events_trimmed_total", "counter"},
      {"sse_gateway_slow_clients_dropped_total", "counter"},
      {"sse_gateway_telemetry_dropped_total", "counter"},
      {"sse_gateway_compress_input_bytes_total", "counter"},
      {"sse_gateway_compress_output_bytes_total", "counter"},
      {"sse_gateway_sse_compressed_connections_total", "counter"},
      {"sse_gateway_sse_compression_over_budget_total", "counter"},
      {"sse_gateway_sse_compression_memory_bytes", "gauge"},
      {"sse_gateway_sse_compression_input_bytes_total", "counter"},
      {"sse_gateway_sse_compression_output_bytes_total", "counter"},
      {"sse_gateway_resumes_total", "counter"},
      {"sse_gateway_resume_latency_seconds", "histogram"},
      {"sse_gateway_checkpoint_starts_total", "counter"},
      {"sse_gateway_checkpoint_skipped_events_total", "counter"},
      {"sse_gateway_auth_rejected_total", "counter"},
      {"sse_gateway_limit_rejections_total", "counter"},
      {"sse_gateway_durable_requests_total", "counter"},
      {"sse_gateway_durable_reads_total", "counter"},
      {"sse_gateway_durable_appends_total", "counter"},
      {"sse_gateway_durable_sse_data_events_total", "counter"},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_TRUE(e.helps.count(name)) << name;
    ASSERT_TRUE(e.types.count(name)) << name;
    EXPECT_EQ(e.types.at(name), type) << name;
  }
  EXPECT_EQ(e.types.size(), expected.size());
  for (resume_outcome o : all_resume_outcomes) {
    const std::string key =
        std::string("sse_gateway_resumes_total{outcome=\"") + to_string(o) + "\"}";
    EXPECT_TRUE(e.samples.count(key)) << key;
  }
  for (const char* limit : limit_names) {
    const std::string key =
        std::string("sse_gateway_limit_rejections_total{limit=\"") + limit + "\"}";
    EXPECT_TRUE(e.samples.count(key)) << key;
  }
  for (const char* method : durable_method_names) {
    const std::string key =
        std::string("sse_gateway_durable_requests_total{method=\"") + method + "\"}";
    EXPECT_TRUE(e.samples.count(key)) << key;
  }
  for (const char* mode : durable_read_modes) {
    const std::string key = std::string("sse_gateway_durable_reads_total{mode=\"") + mode + "\"}";
    EXPECT_TRUE(e.samples.count(key)) << key;
  }
  for (const char* protocol : protocol_names) {
    const std::string key =
        std::string("sse_gateway_bytes_written_total{protocol=\"") + protocol + "\"}";
    EXPECT_TRUE(e.samples.count(key)) << key;
  }
}

TEST(metrics, render_shows_the_values) {
  metrics m;
  m.http_connections_open = 7;
  m.sse_connections_open = 5;
  m.http_requests_total = 100;
  m.bad_requests_total = 3;
  m.streams_created_total = 11;
  m.streams_ended_total = 4;
  m.streams_expired_total = 2;
  m.events_appended_total = 1000;
  m.events_delivered_total = 5000;
  m.events_trimmed_total = 17;
  m.slow_clients_dropped_total = 1;
  m.telemetry_dropped_total = 9;
  m.compress_input_bytes_total = 4096;
  m.compress_output_bytes_total = 1024;
  m.count_written(protocol_http1, 300);
  m.count_written(protocol_http2, 40);
  m.count_written(protocol_http2, 2);
  m.count_resume(resume_outcome::success);
  m.count_resume(resume_outcome::success);
  m.count_resume(resume_outcome::expired);
  m.count_resume(resume_outcome::store_error);
  m.resume_latency.observe(0.02);
  m.resume_latency.observe(0.2);

  auto e = parse_exposition(m.render_prometheus(6, 300, 123456));
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
  EXPECT_EQ(e.samples["sse_gateway_connections_open"], 7);
  EXPECT_EQ(e.samples["sse_gateway_sse_connections_open"], 5);
  EXPECT_EQ(e.samples["sse_gateway_streams_active"], 6);
  EXPECT_EQ(e.samples["sse_gateway_events_buffered"], 300);
  EXPECT_EQ(e.samples["sse_gateway_bytes_buffered"], 123456);
  EXPECT_EQ(e.samples["sse_gateway_http_requests_total"], 100);
  EXPECT_EQ(e.samples["sse_gateway_bytes_written_total{protocol=\"http1\"}"], 300);
  EXPECT_EQ(e.samples["sse_gateway_bytes_written_total{protocol=\"http2\"}"], 42);
  EXPECT_EQ(e.samples["sse_gateway_bad_requests_total"], 3);
  EXPECT_EQ(e.samples["sse_gateway_streams_created_total"], 11);
  EXPECT_EQ(e.samples["sse_gateway_streams_ended_total"], 4);
  EXPECT_EQ(e.samples["sse_gateway_streams_expired_total"], 2);
  EXPECT_EQ(e.samples["sse_gateway_events_appended_total"], 1000);
  EXPECT_EQ(e.samples["sse_gateway_events_delivered_total"], 5000);
  EXPECT_EQ(e.samples["sse_gateway_events_trimmed_total"], 17);
  EXPECT_EQ(e.samples["sse_gateway_slow_clients_dropped_total"], 1);
  EXPECT_EQ(e.samples["sse_gateway_telemetry_dropped_total"], 9);
  EXPECT_EQ(e.samples["sse_gateway_compress_input_bytes_total"], 4096);
  EXPECT_EQ(e.samples["sse_gateway_compress_output_bytes_total"], 1024);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"success\"}"], 2);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"expired\"}"], 1);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"store_error\"}"], 1);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"reset\"}"], 0);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"not_found\"}"], 0);
  EXPECT_EQ(e.samples["sse_gateway_resumes_total{outcome=\"ended\"}"], 0);
  EXPECT_EQ(e.samples["sse_gateway_resume_latency_seconds_count"], 2);
  EXPECT_EQ(e.samples["sse_gateway_resume_latency_seconds_bucket{le=\"0.025\"}"], 1);
  EXPECT_EQ(e.samples["sse_gateway_resume_latency_seconds_bucket{le=\"0.25\"}"], 2);
  EXPECT_NEAR(e.samples["sse_gateway_resume_latency_seconds_sum"], 0.22, 1e-6);
}

TEST(metrics, negative_gauges_render) {
  metrics m;
  m.http_connections_open = -1;  // a transient underflow must still render as a number
  auto e = parse_exposition(m.render_prometheus(-2, 0, 0));
  EXPECT_TRUE(e.problems.empty());
  EXPECT_EQ(e.samples["sse_gateway_connections_open"], -1);
  EXPECT_EQ(e.samples["sse_gateway_streams_active"], -2);
}

TEST(metrics, outcome_names) {
  EXPECT_STREQ(to_string(resume_outcome::success), "success");
  EXPECT_STREQ(to_string(resume_outcome::reset), "reset");
  EXPECT_STREQ(to_string(resume_outcome::not_found), "not_found");
  EXPECT_STREQ(to_string(resume_outcome::expired), "expired");
  EXPECT_STREQ(to_string(resume_outcome::store_error), "store_error");
  EXPECT_STREQ(to_string(resume_outcome::ended), "ended");
  for (std::size_t i = 0; i < all_resume_outcomes.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all_resume_outcomes[i]), i);
  }
}

TEST(health_metrics, ready_store_with_probe_renders_every_family) {
  std::string text;
  render_health(text, health_sample{true, true, probe_counts{12, 3}});
  auto e = parse_exposition(text);
  EXPECT_TRUE(e.problems.empty()) << text;
  EXPECT_EQ(e.types["sse_gateway_store_available"], "gauge");
  EXPECT_EQ(e.types["sse_gateway_ready"], "gauge");
  EXPECT_EQ(e.types["sse_gateway_redis_probes_total"], "counter");
  for (const char* name :
       {"sse_gateway_store_available", "sse_gateway_ready", "sse_gateway_redis_probes_total"}) {
    EXPECT_TRUE(e.helps.count(name)) << name;
  }
  EXPECT_EQ(e.samples["sse_gateway_store_available"], 1);
  EXPECT_EQ(e.samples["sse_gateway_ready"], 1);
  EXPECT_EQ(e.samples["sse_gateway_redis_probes_total{outcome=\"ok\"}"], 12);
  EXPECT_EQ(e.samples["sse_gateway_redis_probes_total{outcome=\"failed\"}"], 3);
}

TEST(health_metrics, unavailable_store_and_draining_node_read_zero) {
  std::string text;
  render_health(text, health_sample{false, false, std::nullopt});
  auto e = parse_exposition(text);
  EXPECT_TRUE(e.problems.empty()) << text;
  EXPECT_EQ(e.samples.at("sse_gateway_store_available"), 0);
  EXPECT_EQ(e.samples.at("sse_gateway_ready"), 0);

  text.clear();
  render_health(text, health_sample{true, false, std::nullopt});  // draining: store still up
  e = parse_exposition(text);
  EXPECT_EQ(e.samples.at("sse_gateway_store_available"), 1);
  EXPECT_EQ(e.samples.at("sse_gateway_ready"), 0);
}

TEST(health_metrics, a_store_without_probe_has_no_probe_family) {
  std::string text;
  render_health(text, health_sample{true, true, std::nullopt});
  const auto e = parse_exposition(text);
  EXPECT_EQ(e.types.count("sse_gateway_redis_probes_total"), 0u) << text;
  EXPECT_EQ(e.types.size(), 2u) << text;
}

TEST(health_metrics, appends_after_the_counters_without_repeating_a_family) {
  metrics m;
  std::string text = m.render_prometheus(0, 0, 0);
  render_health(text, health_sample{true, true, probe_counts{}});
  const auto e = parse_exposition(text);
  EXPECT_TRUE(e.problems.empty()) << e.problems.front();
  EXPECT_EQ(e.samples.at("sse_gateway_redis_probes_total{outcome=\"ok\"}"), 0);
}

}  // namespace
}  // namespace sse::telemetry
