#include "load/report.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

namespace sse::load {

namespace json = boost::json;

namespace {

json::value opt(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::value resources(const std::optional<resource_figures>& r) {
  if (!r) {
    return nullptr;
  }
  json::object o;
  o["pid"] = r->pid;
  o["cpu_seconds"] = r->cpu_seconds;
  o["peak_rss_bytes"] = r->peak_rss_bytes;
  return o;
}

template <class T>
json::value opt_value(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

/// aggregates.cost (SCHEMA.md): what the run cost the gateway and redis-server.
json::object cost_object(const run_cost& c) {
  json::object o;
  o["interval_s"] = c.interval_s;
  o["deliveries"] = c.deliveries;
  o["gateway_cpu_seconds"] = opt_value(c.gateway_cpu_seconds);
  o["redis_cpu_seconds"] = opt_value(c.redis_cpu_seconds);
  o["cpu_seconds_per_million_deliveries"] = {{"gateway", opt_value(c.gateway_cpu_per_million)},
                                             {"redis", opt_value(c.redis_cpu_per_million)}};
  o["gateway_rss_start_bytes"] = opt_value(c.gateway_rss_start_bytes);
  o["gateway_rss_end_bytes"] = opt_value(c.gateway_rss_end_bytes);
  o["peak_open_connections"] = c.peak_open_connections;
  o["rss_bytes_per_connection"] = opt_value(c.rss_bytes_per_connection);
  return o;
}

std::string csv_cell(const json::value& v) {
  if (v.is_null()) {
    return {};
  }
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v.get_double());
    return buf;
  }
  return json::serialize(v);
}

std::string ms(const std::optional<double>& v) {
  if (!v) {
    return "-";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *v);
  return buf;
}

}  // namespace

json::object row_object(const window_row& r) {
  json::object o;
  o["window"] = r.index;
  o["start_s"] = r.start_s;
  o["end_s"] = r.end_s;
  o["resume_attempts"] = r.resume_attempts;
  o["resume_successes"] = r.resume_successes;
  o["resume_success_rate"] = opt(r.resume_success_rate);
  for (std::size_t i = 1; i < resume_outcome_count; ++i) {
    o["resume_failures_" + std::string(outcome_name(static_cast<resume_outcome>(i)))] =
        r.resume_outcomes[i];
  }
  o["events_appended"] = r.events_appended;
  o["events_trimmed"] = r.events_trimmed;
  o["trim_rate"] = r.trim_rate;
  o["append_errors"] = r.append_errors;
  o["append_requests"] = r.append_requests;
  o["append_error_rate"] = r.append_error_rate;
  o["resume_latency_max_ms"] = opt(r.resume_latency_max_ms);
  o["resume_latency_p95_ms"] = opt(r.resume_latency_p95_ms);
  o["deliver_latency_p50_ms"] = opt(r.deliver_latency_p50_ms);
  o["deliver_latency_p95_ms"] = opt(r.deliver_latency_p95_ms);
  o["deliver_latency_p99_ms"] = opt(r.deliver_latency_p99_ms);
  o["events_delivered"] = r.events_delivered;
  o["events_replayed"] = r.events_replayed;
  o["delivered_per_s"] = r.delivered_per_s;
  o["appended_per_s"] = r.appended_per_s;
  o["open_connections"] = r.open_connections;
  o["gap_seqs"] = r.gap_seqs;
  o["unannounced_losses"] = r.unannounced_losses;
  o["duplicates"] = r.duplicates;
  o["reorders"] = r.reorders;
  o["gateway_cpu_seconds"] = opt_value(r.resources.gateway_cpu_seconds);
  o["redis_cpu_seconds"] = opt_value(r.resources.redis_cpu_seconds);
  o["gateway_rss_bytes"] = opt_value(r.resources.gateway_rss_bytes);
  return o;
}

std::string timeseries_json(const std::vector<window_row>& rows, double window_s) {
  json::object root;
  root["schema_version"] = artifact_schema_version;
  root["window_s"] = window_s;
  json::array arr;
  for (const auto& r : rows) {
    arr.push_back(row_object(r));
  }
  root["rows"] = std::move(arr);
  return json::serialize(root) + "\n";
}

std::string timeseries_csv(const std::vector<window_row>& rows) {
  std::string out;
  const json::object header = row_object(window_row{});
  bool first = true;
  for (const auto& kv : header) {
    out += first ? "" : ",";
    out += kv.key();
    first = false;
  }
  out += "\n";
  for (const auto& r : rows) {
    first = true;
    for (const auto& kv : row_object(r)) {
      out += first ? "" : ",";
      out += csv_cell(kv.value());
      first = false;
    }
    out += "\n";
  }
  return out;
}

std::string summary_json(const run_info& info, const run_report& report) {
  const load_options& o = *info.options;
  json::object root;
  root["schema_version"] = artifact_schema_version;
  root["tool"] = "sse-live-resume";
  root["commit"] = info.commit.empty() ? json::value(nullptr) : json::value(info.commit);
  root["date"] = info.date;
  root["machine"] = {{"hostname", info.machine.hostname},
                     {"cpu_model", info.machine.cpu_model},
                     {"cores", info.machine.cores}};

  json::object cfg;
  cfg["target"] = info.target;
  cfg["target_kind"] = o.target_kind;
  cfg["source_addresses"] = o.source_addresses;
  cfg["started_gateway"] = !o.gateway_bin.empty();
  cfg["gateway_bin"] = o.gateway_bin;
  cfg["store"] = o.store;
  json::array gargs;
  for (const auto& a : o.gateway_args) {
    gargs.push_back(json::value(a));
  }
  cfg["gateway_args"] = std::move(gargs);
  cfg["producers"] = o.producers;
  cfg["streams"] = o.streams;
  cfg["rate"] = o.rate;
  cfg["subscribers"] = o.subscribers;
  cfg["stream_length"] = o.stream_length;
  cfg["priority_mix"] = format_weights(o.mix.weights);
  cfg["payload_sizes"] = format_sizes(o.mix.sizes);
  cfg["batch_interval_ms"] = o.batch_interval.count();
  cfg["cut_mean_ms"] = o.cut_mean.count();
  cfg["cut_spread_ms"] = o.cut_spread.count();
  cfg["resume_pause_ms"] = o.resume_pause.count();
  cfg["resume_timeout_ms"] = o.resume_timeout.count();
  cfg["idle_timeout_ms"] = o.idle_timeout.count();
  cfg["ramp_ms"] = o.ramp.count();
  cfg["allow_reset"] = o.allow_reset;
  cfg["duration_s"] = static_cast<double>(o.duration.count()) / 1000.0;
  cfg["window_s"] = static_cast<double>(o.window.count()) / 1000.0;
  cfg["threads"] = o.threads;
  cfg["seed"] = o.seed;
  cfg["stream_prefix"] = info.stream_prefix;
  cfg["open_files_limit"] = info.open_files_limit;
  cfg["gate_file"] = o.gate_file;
  const thresholds& t = info.limits;
  cfg["thresholds"] = {{"window_min_resume_success_rate", t.window_min_resume_success_rate},
                       {"window_max_trim_rate", t.window_max_trim_rate},
                       {"window_max_append_error_rate", t.window_max_append_error_rate},
                       {"window_min_resume_attempts", t.window_min_resume_attempts},
                       {"max_resume_latency_ms", t.max_resume_latency_ms},
                       {"run_min_resume_success_rate", t.run_min_resume_success_rate},
                       {"run_max_p95_deliver_latency_ms", t.run_max_p95_deliver_latency_ms},
                       {"run_max_unannounced_losses", t.run_max_unannounced_losses},
                       {"run_max_duplicates", t.run_max_duplicates},
                       {"run_max_reorders", t.run_max_reorders},
                       {"run_min_resume_attempts", t.run_min_resume_attempts},
                       {"run_min_events_delivered", t.run_min_events_delivered},
                       {"run_min_appended_fraction", t.run_min_appended_fraction},
                       {"run_min_delivered_fraction", t.run_min_delivered_fraction},
                       {"run_min_resume_attempts_fraction", t.run_min_resume_attempts_fraction}};
  root["configuration"] = std::move(cfg);

  const run_aggregates& a = report.aggregates;
  const window_sample& s = a.totals;
  json::object agg;
  agg["duration_s"] = a.duration_s;
  agg["windows"] = a.windows;
  agg["resume_attempts"] = s.resume_attempts;
  agg["resume_successes"] = s.resume_successes();
  agg["resume_success_rate"] = opt(a.resume_success_rate);
  json::object failures;
  for (std::size_t i = 1; i < resume_outcome_count; ++i) {
    failures[outcome_name(static_cast<resume_outcome>(i))] = s.resume_outcomes[i];
  }
  agg["resume_failures"] = std::move(failures);
  agg["min_window_resume_success_rate"] = opt(a.min_window_resume_success_rate);
  agg["events_appended"] = s.events_appended;
  agg["events_trimmed"] = s.events_trimmed;
  agg["trim_rate"] = a.trim_rate;
  agg["max_window_trim_rate"] = a.max_window_trim_rate;
  agg["append_errors"] = s.append_errors;
  agg["append_requests"] = s.append_requests;
  agg["append_error_rate"] = a.append_error_rate;
  agg["max_window_append_error_rate"] = a.max_window_append_error_rate;
  agg["events_delivered"] = s.events_delivered;
  agg["events_replayed"] = s.events_replayed;
  agg["delivered_per_s"] = a.delivered_per_s;
  agg["appended_per_s"] = a.appended_per_s;
  auto latency = [](const latency_histogram& h, bool with_p50_p99) -> json::value {
    if (h.count() == 0) {
      return nullptr;
    }
    json::object l;
    if (with_p50_p99) {
      l["p50"] = us_to_ms(h.percentile(50));
    }
    l["p95"] = us_to_ms(h.percentile(95));
    if (with_p50_p99) {
      l["p99"] = us_to_ms(h.percentile(99));
    }
    l["max"] = us_to_ms(h.max());
    l["count"] = h.count();
    return l;
  };
  agg["deliver_latency_ms"] = latency(s.deliver_latency_us, true);
  agg["resume_latency_ms"] = latency(s.resume_latency_us, true);
  agg["resume_head_latency_ms"] = latency(s.resume_head_latency_us, true);
  agg["longest_resume_ms"] = a.longest_resume_ms;
  agg["gap_seqs"] = s.gap_seqs;
  agg["unannounced_losses"] = s.unannounced_losses;
  agg["duplicates"] = s.duplicates;
  agg["reorders"] = s.reorders;
  agg["peak_open_connections"] = a.peak_open_connections;
  const run_counters& c = info.counters;
  agg["subscriptions"] = c.subscriptions;
  agg["subscribe_errors"] = c.subscribe_errors;
  agg["streams_created"] = c.streams_created;
  agg["streams_ended"] = c.streams_ended;
  agg["cuts"] = c.cuts;
  agg["gateway_closes"] = c.gateway_closes;
  agg["resets"] = c.resets;
  agg["cost"] = cost_object(info.cost);
  root["aggregates"] = std::move(agg);

  root["resources"] = {{"tool", resources(info.tool)},
                       {"gateway", resources(info.gateway)},
                       {"redis", resources(info.redis)}};

  json::array rules;
  for (const rule_result& r : report.rules) {
    rules.push_back(json::object{{"name", r.name},
                                 {"scope", r.scope},
                                 {"metric", r.metric},
                                 {"comparison", r.comparison},
                                 {"value", opt(r.value)},
                                 {"threshold", r.threshold},
                                 {"pass", r.pass}});
  }
  root["rules"] = std::move(rules);
  if (report.first_failure) {
    const gate_failure& f = *report.first_failure;
    root["failure"] =
        json::object{{"window", f.window}, {"rule", f.rule},           {"metric", f.metric},
                     {"value", f.value},   {"threshold", f.threshold}, {"message", f.message}};
  } else {
    root["failure"] = nullptr;
  }
  root["setup_error"] = info.setup_error ? json::value(*info.setup_error) : json::value(nullptr);
  root["verdict"] = report.pass && !info.setup_error ? "pass" : "fail";
  return json::serialize(root) + "\n";
}

std::string row_line(const window_row& r) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "window %zu [%.1f-%.1f s] resumes %llu/%llu%s trimmed %llu/%llu (%.2f%%) "
      "delivered %llu (%.0f/s, %llu replayed) deliver p50/p95/p99 %s/%s/%s ms "
      "resume p95/max %s/%s ms conns %llu%s",
      r.index, r.start_s, r.end_s, static_cast<unsigned long long>(r.resume_successes),
      static_cast<unsigned long long>(r.resume_attempts),
      r.resume_success_rate
          ? (" (" + std::to_string(*r.resume_success_rate * 100).substr(0, 5) + "%)").c_str()
          : "",
      static_cast<unsigned long long>(r.events_trimmed),
      static_cast<unsigned long long>(r.events_appended), r.trim_rate * 100,
      static_cast<unsigned long long>(r.events_delivered), r.delivered_per_s,
      static_cast<unsigned long long>(r.events_replayed), ms(r.deliver_latency_p50_ms).c_str(),
      ms(r.deliver_latency_p95_ms).c_str(), ms(r.deliver_latency_p99_ms).c_str(),
      ms(r.resume_latency_p95_ms).c_str(), ms(r.resume_latency_max_ms).c_str(),
      static_cast<unsigned long long>(r.open_connections),
      (r.unannounced_losses + r.duplicates + r.reorders) > 0 ? " VIOLATIONS" : "");
  return buf;
}

std::string summary_text(const run_info& info, const run_report& report) {
  std::string out;
  char buf[512];
  for (const rule_result& r : report.rules) {
    std::snprintf(buf, sizeof buf, "  %-28s %s value %s %s %g\n", r.name.c_str(),
                  r.pass ? "pass" : "FAIL", r.value ? std::to_string(*r.value).c_str() : "n/a",
                  r.comparison.c_str(), r.threshold);
    out += buf;
  }
  auto res = [&](const char* name, const std::optional<resource_figures>& f) {
    if (!f) {
      return;
    }
    std::snprintf(buf, sizeof buf, "  %-8s cpu %.2f s  peak rss %.1f MiB\n", name, f->cpu_seconds,
                  static_cast<double>(f->peak_rss_bytes) / (1024.0 * 1024.0));
    out += buf;
  };
  res("tool", info.tool);
  res("gateway", info.gateway);
  res("redis", info.redis);
  const run_cost& cost = info.cost;
  auto figure = [](const std::optional<double>& v, const char* format) {
    char b[64];
    if (!v) {
      return std::string("n/a");
    }
    std::snprintf(b, sizeof b, format, *v);
    return std::string(b);
  };
  out += "  cost     CPU s per 1M deliveries: gateway " +
         figure(cost.gateway_cpu_per_million, "%.2f") + ", redis " +
         figure(cost.redis_cpu_per_million, "%.2f") + " (" + std::to_string(cost.deliveries) +
         " deliveries in " + figure(cost.interval_s, "%.1f") + " s); gateway RSS per connection " +
         figure(cost.rss_bytes_per_connection, "%.0f") + " B\n";
  if (info.setup_error) {
    out += "SETUP ERROR (no verdict): " + *info.setup_error + "\n";
  } else if (report.first_failure) {
    out += "GATE FAILED: " + report.first_failure->message + "\n";
  } else if (!report.pass) {
    out += "GATE FAILED\n";
  } else {
    out += "GATE PASSED\n";
  }
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace sse::load
