#include "config/parse.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace sse::config {
namespace {

using std::chrono::milliseconds;
using env_map = std::map<std::string, std::string>;

/// Runs parse_config on `args` (without the program name) and a fake environment, so the
/// test never sees the real SSE_GATEWAY_* variables of the machine.
parse_outcome parse(const std::vector<std::string>& args, const env_map& env = {}) {
  std::vector<const char*> argv{"sse-gateway"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return parse_config(static_cast<int>(argv.size()), argv.data(),
                      [&env](const char* name) -> const char* {
                        auto it = env.find(name);
                        return it == env.end() ? nullptr : it->second.c_str();
                      });
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// One accepted value of one setting and what it must do to the config.
struct good_case {
  std::string flag;
  std::string value;  ///< ignored for the --demo switch on the command line
  std::function<void(const config&)> check;
};

std::vector<good_case> good_cases() {
  return {
      {"listen", "0.0.0.0:9000",
       [](const config& c) {
         EXPECT_EQ(c.listen_host, "0.0.0.0");
         EXPECT_EQ(c.listen_port, 9000);
       }},
      {"listen", "[::1]:0",
       [](const config& c) {
         EXPECT_EQ(c.listen_host, "::1");
         EXPECT_EQ(c.listen_port, 0);
       }},
      {"store", "redis://:pw@127.0.0.1:6379/2",
       [](const config& c) { EXPECT_EQ(c.store, "redis://:pw@127.0.0.1:6379/2"); }},
      {"store", "memory", [](const config& c) { EXPECT_EQ(c.store, "memory"); }},
      {"buffer-limit", "10", [](const config& c) { EXPECT_EQ(c.buffer_limit, 10u); }},
      {"buffer-max-bytes", "2MiB",
       [](const config& c) { EXPECT_EQ(c.buffer_max_bytes, 2u * 1024 * 1024); }},
      {"ttl", "2h", [](const config& c) { EXPECT_EQ(c.ttl, std::chrono::hours(2)); }},
      {"end-retention", "0", [](const config& c) { EXPECT_EQ(c.end_retention, milliseconds(0)); }},
      {"heartbeat", "250ms", [](const config& c) { EXPECT_EQ(c.heartbeat, milliseconds(250)); }},
      {"retry-ms", "2500", [](const config& c) { EXPECT_EQ(c.retry, milliseconds(2500)); }},
      {"retry-ms", "0", [](const config& c) { EXPECT_EQ(c.retry, milliseconds(0)); }},
      {"max-event-bytes", "64k", [](const config& c) { EXPECT_EQ(c.max_event_bytes, 64u * 1024); }},
      {"max-body-bytes", "8M",
       [](const config& c) { EXPECT_EQ(c.max_body_bytes, 8u * 1024 * 1024); }},
      {"max-batch-events", "50", [](const config& c) { EXPECT_EQ(c.max_batch_events, 50u); }},
      {"max-buffer-limit", "100000",
       [](const config& c) { EXPECT_EQ(c.max_buffer_limit, 100000u); }},
      {"max-ttl", "720h", [](const config& c) { EXPECT_EQ(c.max_ttl, std::chrono::hours(720)); }},
      {"durable-long-poll-timeout", "2s",
       [](const config& c) { EXPECT_EQ(c.durable_long_poll_timeout, std::chrono::seconds(2)); }},
      {"max-connections", "5", [](const config& c) { EXPECT_EQ(c.max_connections, 5u); }},
      {"max-queue-bytes", "1GiB",
       [](const config& c) { EXPECT_EQ(c.max_queue_bytes, 1024u * 1024 * 1024); }},
      {"http2", "off", [](const config& c) { EXPECT_FALSE(c.http2); }},
      {"http2-max-streams", "16", [](const config& c) { EXPECT_EQ(c.http2_max_streams, 16u); }},
      {"http2-max-connection-queue-bytes", "32MiB",
       [](const config& c) { EXPECT_EQ(c.http2_max_connection_queue_bytes, 32u * 1024 * 1024); }},
      {"request-timeout", "1.5s",
       [](const config& c) { EXPECT_EQ(c.request_timeout, milliseconds(1500)); }},
      {"idle-timeout", "90",
       [](const config& c) { EXPECT_EQ(c.idle_timeout, milliseconds(90'000)); }},
      {"shutdown-grace", "0s",
       [](const config& c) { EXPECT_EQ(c.shutdown_grace, milliseconds(0)); }},
      {"threads", "3", [](const config& c) { EXPECT_EQ(c.threads, 3u); }},
      {"threads", "0", [](const config& c) { EXPECT_EQ(c.threads, 0u); }},
      {"telemetry", "file:/tmp/t.jsonl",
       [](const config& c) { EXPECT_EQ(c.telemetry, "file:/tmp/t.jsonl"); }},
      {"telemetry", "none", [](const config& c) { EXPECT_EQ(c.telemetry, "none"); }},
      {"log-level", "debug", [](const config& c) { EXPECT_EQ(c.log_level, "debug"); }},
      {"node-id", "node-a", [](const config& c) { EXPECT_EQ(c.node_id, "node-a"); }},
      {"cors-origin", "*", [](const config& c) { EXPECT_TRUE(c.cors_origin.any); }},
      {"cors-origin", "https://a.example, http://localhost:3000",
       [](const config& c) {
         EXPECT_EQ(c.cors_origin.listed,
                   (std::vector<std::string>{"https://a.example", "http://localhost:3000"}));
       }},
      {"port-file", "/tmp/port", [](const config& c) { EXPECT_EQ(c.port_file, "/tmp/port"); }},
      {"demo", "true", [](const config& c) { EXPECT_TRUE(c.demo); }},
      {"access-log", "true", [](const config& c) { EXPECT_TRUE(c.access_log); }},
      {"redis-prefix", "pfx:", [](const config& c) { EXPECT_EQ(c.redis_prefix, "pfx:"); }},
      {"compress-min-bytes", "0", [](const config& c) { EXPECT_EQ(c.compress_min_bytes, 0u); }},
      {"sse-compression", "zstd,gzip",
       [](const config& c) {
         EXPECT_EQ(c.sse_compression, (std::vector<std::string>{"zstd", "gzip"}));
       }},
      {"sse-compression", " GZIP ",
       [](const config& c) { EXPECT_EQ(c.sse_compression, std::vector<std::string>{"gzip"}); }},
      {"sse-compression", "off", [](const config& c) { EXPECT_TRUE(c.sse_compression.empty()); }},
      {"sse-compression-max-memory", "1MiB",
       [](const config& c) { EXPECT_EQ(c.sse_compression_max_memory, 1024u * 1024); }},
      {"compress-min-bytes", "1KiB",
       [](const config& c) { EXPECT_EQ(c.compress_min_bytes, 1024u); }},
      {"redis-wait-replicas", "1", [](const config& c) { EXPECT_EQ(c.redis_wait_replicas, 1u); }},
      {"store", "redis-cluster://127.0.0.1:7000,127.0.0.1:7001",
       [](const config& c) {
         EXPECT_EQ(c.store, "redis-cluster://127.0.0.1:7000,127.0.0.1:7001");
       }},
      {"store", "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster",
       [](const config& c) {
         EXPECT_EQ(c.store, "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster");
       }},
      {"redis-probe-interval", "500ms",
       [](const config& c) { EXPECT_EQ(c.redis_probe_interval, std::chrono::milliseconds(500)); }},
      {"redis-probe-interval", "0",
       [](const config& c) { EXPECT_EQ(c.redis_probe_interval.count(), 0); }},
      {"redis-probe-timeout", "3s",
       [](const config& c) { EXPECT_EQ(c.redis_probe_timeout, std::chrono::seconds(3)); }},
      {"redis-ready-timeout", "1500ms",
       [](const config& c) { EXPECT_EQ(c.redis_ready_timeout, std::chrono::milliseconds(1500)); }},
      {"redis-ready-timeout", "0",
       [](const config& c) { EXPECT_EQ(c.redis_ready_timeout.count(), 0); }},
      {"auth", "jwt", [](const config& c) { EXPECT_EQ(c.auth, "jwt"); }},
      {"auth", "none", [](const config& c) { EXPECT_EQ(c.auth, "none"); }},
      {"auth-hs256-secret-file", "/s",
       [](const config& c) { EXPECT_EQ(c.auth_hs256_secret_file, "/s"); }},
      {"auth-public-key-file", "/k.pem",
       [](const config& c) { EXPECT_EQ(c.auth_public_key_file, "/k.pem"); }},
      {"auth-audience", "gw", [](const config& c) { EXPECT_EQ(c.auth_audience, "gw"); }},
      {"auth-cookie", "tok", [](const config& c) { EXPECT_EQ(c.auth_cookie, "tok"); }},
      {"auth-leeway", "5s", [](const config& c) { EXPECT_EQ(c.auth_leeway, milliseconds(5000)); }},
      {"max-connections-per-ip", "8",
       [](const config& c) { EXPECT_EQ(c.max_connections_per_ip, 8u); }},
      {"append-rate", "50", [](const config& c) { EXPECT_EQ(c.append_rate, 50u); }},
      {"append-burst", "5", [](const config& c) { EXPECT_EQ(c.append_burst, 5u); }},
      {"max-header-bytes", "8KiB", [](const config& c) { EXPECT_EQ(c.max_header_bytes, 8192u); }},
      {"max-header-count", "20", [](const config& c) { EXPECT_EQ(c.max_header_count, 20u); }},
      {"header-timeout", "2s",
       [](const config& c) { EXPECT_EQ(c.header_timeout, milliseconds(2000)); }},
      {"max-streams", "1000", [](const config& c) { EXPECT_EQ(c.max_streams, 1000u); }},
      {"max-subscribers-per-stream", "3",
       [](const config& c) { EXPECT_EQ(c.max_subscribers_per_stream, 3u); }},
      {"relay-config", "/etc/sse/routes.json",
       [](const config& c) { EXPECT_EQ(c.relay_config, "/etc/sse/routes.json"); }},
      {"relay-lease-ttl", "3s",
       [](const config& c) { EXPECT_EQ(c.relay_lease_ttl, std::chrono::seconds(3)); }},
      {"relay-lease-sweep", "250ms",
       [](const config& c) { EXPECT_EQ(c.relay_lease_sweep, std::chrono::milliseconds(250)); }},
      {"tls-cert", "/etc/sse/chain.pem",
       [](const config& c) { EXPECT_EQ(c.tls_cert, "/etc/sse/chain.pem"); }},
      {"tls-key", "/etc/sse/key.pem",
       [](const config& c) { EXPECT_EQ(c.tls_key, "/etc/sse/key.pem"); }},
      {"fault-resume", "refuse,after=7s,for=3s",
       [](const config& c) {
         EXPECT_EQ(c.fault_resume.what, resume_fault::action::refuse);
         EXPECT_EQ(c.fault_resume.after, milliseconds(7000));
         EXPECT_EQ(c.fault_resume.span, milliseconds(3000));
       }},
  };
}

std::vector<std::string> flag_args(const good_case& g) {
  if (g.flag == "demo" || g.flag == "access-log") {
    return {"--" + g.flag};  // switches take no value
  }
  return {"--" + g.flag, g.value};
}

TEST(parse_config, defaults_without_flags_or_variables) {
  auto out = parse({});
  ASSERT_FALSE(out.exit_now) << out.message;
  const config d{};
  const config& c = out.cfg;
  EXPECT_EQ(c.listen_host, d.listen_host);
  EXPECT_EQ(c.listen_port, d.listen_port);
  EXPECT_EQ(c.store, d.store);
  EXPECT_EQ(c.buffer_limit, d.buffer_limit);
  EXPECT_EQ(c.buffer_max_bytes, d.buffer_max_bytes);
  EXPECT_EQ(c.ttl, d.ttl);
  EXPECT_EQ(c.end_retention, d.end_retention);
  EXPECT_EQ(c.heartbeat, d.heartbeat);
  EXPECT_EQ(c.retry, d.retry);
  EXPECT_EQ(c.max_event_bytes, d.max_event_bytes);
  EXPECT_EQ(c.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(c.max_connections, d.max_connections);
  EXPECT_EQ(c.max_queue_bytes, d.max_queue_bytes);
  EXPECT_EQ(c.request_timeout, d.request_timeout);
  EXPECT_EQ(c.idle_timeout, d.idle_timeout);
  EXPECT_EQ(c.shutdown_grace, d.shutdown_grace);
  EXPECT_EQ(c.threads, d.threads);
  EXPECT_EQ(c.telemetry, d.telemetry);
  EXPECT_EQ(c.log_level, d.log_level);
  EXPECT_EQ(c.cors_origin, d.cors_origin);
  EXPECT_EQ(c.port_file, d.port_file);
  EXPECT_EQ(c.demo, d.demo);
  EXPECT_EQ(c.redis_prefix, d.redis_prefix);
  EXPECT_EQ(c.compress_min_bytes, d.compress_min_bytes);
  EXPECT_EQ(c.node_id, node_id_default());
  EXPECT_TRUE(out.subcommand.empty());
}

TEST(parse_config, the_documented_defaults) {
  const config d{};
  EXPECT_EQ(d.listen_host, "127.0.0.1");
  EXPECT_EQ(d.listen_port, 8080);
  EXPECT_EQ(d.buffer_limit, 256u);
  EXPECT_EQ(d.buffer_max_bytes, 1024u * 1024);
  EXPECT_EQ(d.ttl, std::chrono::hours(1));
  EXPECT_EQ(d.end_retention, std::chrono::minutes(5));
  EXPECT_EQ(d.heartbeat, std::chrono::seconds(15));
  EXPECT_EQ(d.retry, milliseconds(1000));
  EXPECT_EQ(d.max_event_bytes, 256u * 1024);
  EXPECT_EQ(d.redis_prefix, "sse:");
  EXPECT_EQ(d.compress_min_bytes, 128u);
  EXPECT_EQ(d.max_batch_events, 1000u);
  EXPECT_EQ(d.max_buffer_limit, 65536u);
  EXPECT_EQ(d.max_ttl, std::chrono::hours(24 * 7));
}

TEST(parse_config, defaults_above_the_client_caps_exit_2_naming_both_flags) {
  auto limit = parse({"--buffer-limit", "70000"});
  EXPECT_TRUE(limit.exit_now);
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_NE(limit.message.find("--buffer-limit 70000 is above --max-buffer-limit 65536"),
            std::string::npos)
      << limit.message;
  auto ttl = parse({"--max-ttl", "1h", "--ttl", "2h"});
  EXPECT_TRUE(ttl.exit_now);
  EXPECT_EQ(ttl.exit_code, 2);
  EXPECT_NE(ttl.message.find("--ttl 2h is above --max-ttl 1h"), std::string::npos) << ttl.message;
  auto raised = parse({"--buffer-limit", "70000", "--max-buffer-limit", "70000"});
  EXPECT_FALSE(raised.exit_now) << raised.message;
}

TEST(parse_config, every_flag_sets_its_field) {
  for (const auto& g : good_cases()) {
    SCOPED_TRACE("--" + g.flag + " " + g.value);
    auto out = parse(flag_args(g));
    ASSERT_FALSE(out.exit_now) << out.message;
    g.check(out.cfg);
  }
}

TEST(parse_config, flag_equals_form_works) {
  auto out = parse({"--heartbeat=5s", "--listen=[::1]:81"});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.heartbeat, milliseconds(5000));
  EXPECT_EQ(out.cfg.listen_port, 81);
}

TEST(parse_config, every_variable_sets_its_field) {
  for (const auto& g : good_cases()) {
    const std::string var = env_name(g.flag);
    SCOPED_TRACE(var + "=" + g.value);
    auto out = parse({}, {{var, g.value}});
    ASSERT_FALSE(out.exit_now) << out.message;
    g.check(out.cfg);
  }
}

TEST(parse_config, variable_names_are_upper_snake_case) {
  EXPECT_EQ(env_name("retry-ms"), "SSE_GATEWAY_RETRY_MS");
  EXPECT_EQ(env_name("buffer-max-bytes"), "SSE_GATEWAY_BUFFER_MAX_BYTES");
  EXPECT_EQ(env_name("listen"), "SSE_GATEWAY_LISTEN");
}

TEST(parse_config, every_setting_has_a_good_case) {
  std::set<std::string> covered;
  for (const auto& g : good_cases()) {
    covered.insert(g.flag);
  }
  for (const auto& s : settings()) {
    EXPECT_TRUE(covered.count(s.name)) << s.name << " has no test case";
  }
  // One row per field of config; --listen covers both listen_host and listen_port.
  EXPECT_EQ(settings().size(), 58u);
}

TEST(parse_config, flag_wins_over_variable) {
  auto out =
      parse({"--heartbeat", "3s", "--store", "memory"}, {{"SSE_GATEWAY_HEARTBEAT", "9s"},
                                                         {"SSE_GATEWAY_STORE", "redis://h:1"},
                                                         {"SSE_GATEWAY_TTL", "7m"}});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.heartbeat, milliseconds(3000));
  EXPECT_EQ(out.cfg.store, "memory");
  EXPECT_EQ(out.cfg.ttl, std::chrono::minutes(7));
}

TEST(parse_config, a_good_flag_hides_a_bad_variable) {
  // The variable is never read when its flag is given, so a stale bad value does not matter.
  auto out = parse({"--threads", "2"}, {{"SSE_GATEWAY_THREADS", "lots"}});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.threads, 2u);
}

TEST(parse_config, empty_variable_counts_as_unset) {
  auto out = parse({}, {{"SSE_GATEWAY_HEARTBEAT", ""}, {"SSE_GATEWAY_NODE_ID", ""}});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.heartbeat, config{}.heartbeat);
  EXPECT_EQ(out.cfg.node_id, node_id_default());
}

TEST(parse_config, last_repeated_flag_wins) {
  auto out = parse({"--buffer-limit", "5", "--buffer-limit", "6"});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.buffer_limit, 6u);
}

TEST(parse_config, demo_variable_spellings) {
  for (const char* t : {"1", "true", "yes", "TRUE"}) {
    auto out = parse({}, {{"SSE_GATEWAY_DEMO", t}});
    ASSERT_FALSE(out.exit_now) << out.message;
    EXPECT_TRUE(out.cfg.demo) << t;
  }
  for (const char* f : {"0", "false", "no"}) {
    auto out = parse({}, {{"SSE_GATEWAY_DEMO", f}});
    ASSERT_FALSE(out.exit_now) << out.message;
    EXPECT_FALSE(out.cfg.demo) << f;
  }
}

TEST(parse_config, explicit_node_id_is_kept_and_empty_gets_the_default) {
  EXPECT_EQ(parse({"--node-id", "n7"}).cfg.node_id, "n7");
  EXPECT_EQ(parse({"--node-id", ""}).cfg.node_id, node_id_default());
}

TEST(node_id_default, is_hostname_dash_pid) {
  const std::string id = node_id_default();
  const std::string suffix = "-" + std::to_string(::getpid());
  ASSERT_GT(id.size(), suffix.size());
  EXPECT_EQ(id.substr(id.size() - suffix.size()), suffix);
}

/// One rejected value of one setting.
struct bad_case {
  std::string flag;
  std::string value;
};

std::vector<bad_case> bad_cases() {
  return {
      {"listen", "8080"},
      {"listen", "host:"},
      {"listen", "::1:80"},
      {"listen", "h:65536"},
      {"listen", "[::1]"},
      {"store", "mem"},
      {"cors-origin", "https://app.example/"},
      {"cors-origin", "*,https://app.example"},
      {"store", "redis://"},
      {"store", "http://h:1"},
      {"store", "redis://h:0"},
      {"buffer-limit", "0"},
      {"buffer-limit", "-1"},
      {"buffer-limit", "ten"},
      {"buffer-limit", "1.5"},
      {"buffer-max-bytes", "0"},
      {"max-batch-events", "0"},
      {"max-batch-events", "1000001"},
      {"max-buffer-limit", "0"},
      {"max-buffer-limit", "lots"},
      {"max-ttl", "0"},
      {"max-ttl", "forever"},
      {"durable-long-poll-timeout", "0"},
      {"durable-long-poll-timeout", "soon"},
      {"buffer-max-bytes", "1XB"},
      {"ttl", "0"},
      {"ttl", "-1s"},
      {"ttl", "5x"},
      {"end-retention", "-1"},
      {"end-retention", "soon"},
      {"heartbeat", "0"},
      {"heartbeat", "0ms"},
      {"heartbeat", "1e3"},
      {"retry-ms", "1s"},
      {"retry-ms", "-1"},
      {"retry-ms", "86400001"},
      {"max-event-bytes", "0"},
      {"max-body-bytes", "0"},
      {"max-connections", "0"},
      {"max-queue-bytes", "0"},
      {"http2", "maybe"},
      {"http2-max-streams", "0"},
      {"http2-max-connection-queue-bytes", "lots"},
      {"request-timeout", "0"},
      {"idle-timeout", "0s"},
      {"shutdown-grace", "x"},
      {"threads", "1025"},
      {"threads", "-1"},
      {"telemetry", "file:"},
      {"telemetry", "stderr"},
      {"log-level", "verbose"},
      {"log-level", "INFO"},
      {"node-id", "has space"},
      {"compress-min-bytes", "-1"},
      {"sse-compression", "br"},
      {"sse-compression", "gzip,gzip"},
      {"sse-compression", "gzip,"},
      {"sse-compression", "zstd;q=1"},
      {"sse-compression-max-memory", "lots"},
      {"compress-min-bytes", "1.5"},
      {"redis-wait-replicas", "17"},
      {"redis-wait-replicas", "-1"},
      {"relay-lease-ttl", "0"},
      {"relay-lease-sweep", "soon"},
      {"store", "redis-cluster://h:1/0"},
      {"store", "redis-sentinel://h:1"},
      {"store", "redis-sentinel://h:1/"},
      {"store", "redis-sentinel://h/m"},
      {"redis-probe-timeout", "0"},
      {"redis-probe-interval", "-1s"},
      {"redis-ready-timeout", "-1s"},
      {"max-event-bytes", "99999999999999999999999"},
      {"auth", "basic"},
      {"auth-leeway", "-1s"},
      {"max-connections-per-ip", "-1"},
      {"append-rate", "fast"},
      {"append-burst", "0"},
      {"max-header-bytes", "100"},
      {"max-header-count", "0"},
      {"header-timeout", "0s"},
      {"max-streams", "many"},
      {"max-subscribers-per-stream", "1.5"},
      {"fault-resume", "refuse"},
  };
}

TEST(parse_config, every_bad_flag_value_exits_2_naming_the_flag) {
  for (const auto& b : bad_cases()) {
    SCOPED_TRACE("--" + b.flag + " " + b.value);
    auto out = parse({"--" + b.flag, b.value});
    EXPECT_TRUE(out.exit_now);
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_TRUE(contains(out.message, "--" + b.flag)) << out.message;
    EXPECT_TRUE(contains(out.message, "\"" + b.value + "\"")) << out.message;
    EXPECT_TRUE(contains(out.message, "expected")) << out.message;
  }
}

TEST(parse_config, every_bad_variable_exits_2_naming_the_variable) {
  auto cases = bad_cases();
  cases.push_back({"demo", "maybe"});
  cases.push_back({"access-log", "sometimes"});
  for (const auto& b : cases) {
    const std::string var = env_name(b.flag);
    SCOPED_TRACE(var + "=" + b.value);
    auto out = parse({}, {{var, b.value}});
    EXPECT_TRUE(out.exit_now);
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_TRUE(contains(out.message, var)) << out.message;
    EXPECT_TRUE(contains(out.message, "\"" + b.value + "\"")) << out.message;
  }
}

TEST(parse_config, every_setting_has_a_bad_case_unless_free_form) {
  std::set<std::string> covered;
  for (const auto& b : bad_cases()) {
    covered.insert(b.flag);
  }
  covered.insert("demo");  // covered through its variable
  covered.insert("access-log");
  // Free-form text (paths, names): no value is invalid.
  for (const char* f :
       {"auth-audience", "auth-cookie", "auth-hs256-secret-file", "auth-public-key-file"}) {
    covered.insert(f);
  }
  const std::set<std::string> free_form{"port-file", "redis-prefix", "relay-config", "tls-cert",
                                        "tls-key"};
  for (const auto& s : settings()) {
    if (!free_form.count(s.name)) {
      EXPECT_TRUE(covered.count(s.name)) << s.name << " has no bad-value test";
    }
  }
}

TEST(parse_config, unknown_flag_exits_2) {
  auto out = parse({"--no-such-flag"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(contains(out.message, "--no-such-flag")) << out.message;
}

TEST(parse_config, stray_argument_exits_2) {
  auto out = parse({"serve-please"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(contains(out.message, "serve-please")) << out.message;
}

TEST(parse_config, missing_value_exits_2) {
  auto out = parse({"--heartbeat"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(contains(out.message, "--heartbeat")) << out.message;
}

TEST(parse_config, help_exits_0_listing_every_flag_variable_and_default) {
  for (const char* h : {"--help", "-h"}) {
    auto out = parse({h});
    EXPECT_TRUE(out.exit_now);
    EXPECT_EQ(out.exit_code, 0);
    for (const auto& s : settings()) {
      EXPECT_TRUE(contains(out.message, "--" + s.name)) << s.name;
      EXPECT_TRUE(contains(out.message, s.env)) << s.env;
    }
    EXPECT_TRUE(contains(out.message, "migrate"));
    EXPECT_TRUE(contains(out.message, "default: 127.0.0.1:8080"));
    EXPECT_TRUE(contains(out.message, "default: 15s"));
    EXPECT_TRUE(contains(out.message, "default: 1MiB"));
  }
}

TEST(parse_config, help_wins_over_a_bad_variable) {
  auto out = parse({"--help"}, {{"SSE_GATEWAY_TTL", "bogus"}});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 0);
}

TEST(parse_config, version_exits_0_with_the_version) {
  auto out = parse({"--version"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_TRUE(contains(out.message, std::string("sse-gateway ") + gateway_version()))
      << out.message;
}

TEST(parse_config, version_names_the_git_commit) {
  auto out = parse({"--version"});
  EXPECT_EQ(out.message,
            std::string("sse-gateway ") + gateway_version() + " (git " + gateway_commit() + ")\n");
  EXPECT_STRNE(gateway_commit(), "");
}

TEST(parse_config, migrate_takes_store_and_prefix) {
  auto out = parse({"migrate", "--store", "redis://127.0.0.1:6379", "--redis-prefix", "x:"});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.subcommand, "migrate");
  EXPECT_EQ(out.cfg.store, "redis://127.0.0.1:6379");
  EXPECT_EQ(out.cfg.redis_prefix, "x:");
}

TEST(parse_config, migrate_reads_store_from_variable_or_global_flag) {
  auto a = parse({"migrate"}, {{"SSE_GATEWAY_STORE", "redis://h:1"}});
  ASSERT_FALSE(a.exit_now) << a.message;
  EXPECT_EQ(a.subcommand, "migrate");
  EXPECT_EQ(a.cfg.store, "redis://h:1");

  auto b = parse({"--log-level", "debug", "--store", "redis://h:2", "migrate"});
  ASSERT_FALSE(b.exit_now) << b.message;
  EXPECT_EQ(b.cfg.store, "redis://h:2");
  EXPECT_EQ(b.cfg.log_level, "debug");
}

TEST(parse_config, migrate_passes_other_flags_to_the_top_level) {
  auto out = parse({"migrate", "--store", "redis://h:1", "--log-level", "warn"});
  ASSERT_FALSE(out.exit_now) << out.message;
  EXPECT_EQ(out.cfg.log_level, "warn");
}

TEST(parse_config, migrate_needs_a_redis_store) {
  auto out = parse({"migrate"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(contains(out.message, "migrate")) << out.message;
  EXPECT_TRUE(contains(out.message, "redis://")) << out.message;
}

TEST(parse_config, migrate_bad_store_names_the_flag) {
  auto out = parse({"migrate", "--store", "redis://h:0"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(contains(out.message, "--store")) << out.message;
}

TEST(parse_config, migrate_help_exits_0) {
  auto out = parse({"migrate", "--help"});
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_TRUE(contains(out.message, "--store")) << out.message;
}

TEST(parse_config, migrate_takes_every_redis_store_the_gateway_takes) {
  for (const char* url : {"redis://h:1", "redis-cluster://127.0.0.1:7000,127.0.0.1:7001",
                          "redis-sentinel://127.0.0.1:26379/mymaster"}) {
    SCOPED_TRACE(url);
    auto out = parse({"migrate", "--store", url});
    ASSERT_FALSE(out.exit_now) << out.message;
    EXPECT_EQ(out.subcommand, "migrate");
    EXPECT_EQ(out.cfg.store, url);
  }
}

TEST(parse_config, migrate_help_lists_url_forms_and_variables_only) {
  auto out = parse({"migrate", "--help"});
  ASSERT_TRUE(out.exit_now);
  for (const char* text : {"redis://", "redis-cluster://", "redis-sentinel://", "SSE_GATEWAY_STORE",
                           "SSE_GATEWAY_REDIS_PREFIX"}) {
    EXPECT_TRUE(contains(out.message, text)) << text << " missing from:\n" << out.message;
  }
  // The durations and byte sizes footer is about the top-level flags.
  EXPECT_FALSE(contains(out.message, "Durations")) << out.message;
}

}  // namespace
}  // namespace sse::config
