#include "config/settings.hpp"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <limits>

#include "config/byte_size.hpp"
#include "config/cors_origins.hpp"
#include "config/duration.hpp"
#include "config/fault_resume.hpp"
#include "config/number.hpp"
#include "config/setting_kinds.hpp"
#include "config/values.hpp"

namespace sse::config {
namespace {

using std::chrono::milliseconds;

/// Node ids go into telemetry and Redis values: printable ASCII without spaces keeps them
/// unambiguous in logs and keys.
result<void> check_node_id(std::string_view v) {
  if (v.size() > 128) {
    return errc::invalid_argument;
  }
  for (unsigned char c : v) {
    if (c <= 0x20 || c >= 0x7f) {
      return errc::invalid_argument;
    }
  }
  return {};
}

result<void> check_auth_mode(std::string_view v) {
  if (v != "jwt" && v != "none") {
    return errc::invalid_argument;
  }
  return {};
}

std::vector<setting> build() {
  std::vector<setting> t;
  {
    setting s =
        make_setting("listen", "HOST:PORT", "Address to serve HTTP on; port 0 picks a free port",
                     "HOST:PORT with a port from 0 to 65535, IPv6 as [ADDR]:PORT");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto hp = parse_listen(v);
      if (!hp) {
        return hp.error();
      }
      cfg.listen_host = std::move(hp->host);
      cfg.listen_port = hp->port;
      return {};
    };
    s.show = [](const config& cfg) {
      return format_listen(host_port{cfg.listen_host, cfg.listen_port});
    };
    t.push_back(std::move(s));
  }
  t.push_back(text_setting("store", "STORE", "Where streams live",
                           "`memory`, `redis://[:password@]host[:port][/db]`, "
                           "`redis-cluster://host:port[,...]` or "
                           "`redis-sentinel://host:port[,...]/master-name[/db]`",
                           &config::store, validate_store));
  t.push_back(count_setting<std::size_t>("buffer-limit", "Events kept per stream",
                                         &config::buffer_limit, 1, 100'000'000));
  t.push_back(bytes_setting("buffer-max-bytes", "Bytes of event data kept per stream",
                            &config::buffer_max_bytes, 1));
  t.push_back(duration_setting("ttl", "Idle stream lifetime", &config::ttl, 1));
  t.push_back(duration_setting("end-retention", "How long an ended stream stays resumable",
                               &config::end_retention, 0));
  t.push_back(
      duration_setting("heartbeat", "Interval of SSE comment heartbeats", &config::heartbeat, 1));
  {
    setting s = make_setting("retry-ms", "MS", "The SSE `retry:` sent to clients, in milliseconds",
                             "an integer number of milliseconds from 0 to 86400000");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto n = parse_uint(v);
      if (!n || *n > 86'400'000) {
        return errc::invalid_argument;
      }
      cfg.retry = milliseconds(static_cast<long long>(*n));
      return {};
    };
    s.show = [](const config& cfg) { return std::to_string(cfg.retry.count()); };
    t.push_back(std::move(s));
  }
  t.push_back(
      bytes_setting("max-event-bytes", "Largest data of one event", &config::max_event_bytes, 1));
  t.push_back(bytes_setting("max-body-bytes", "Largest request body (one NDJSON batch)",
                            &config::max_body_bytes, 1));
  t.push_back(count_setting<std::size_t>("max-batch-events", "Most events in one append batch",
                                         &config::max_batch_events, 1, 1'000'000));
  t.push_back(count_setting<std::size_t>("max-buffer-limit",
                                         "Largest buffer_limit a client may ask for per stream",
                                         &config::max_buffer_limit, 1, 100'000'000));
  t.push_back(duration_setting("durable-long-poll-timeout",
                               "Longest wait of a Durable Streams live=long-poll read",
                               &config::durable_long_poll_timeout, 1));
  t.push_back(duration_setting("max-ttl", "Longest ttl a client may ask for per stream",
                               &config::max_ttl, 1));
  t.push_back(count_setting<std::size_t>("max-connections", "Concurrent HTTP connections",
                                         &config::max_connections, 1, 10'000'000));
  t.push_back(text_setting("auth", "MODE",
                           "Access control: `jwt` (tokens required) or `none`; must be chosen "
                           "except for --demo on loopback",
                           "`jwt` or `none`", &config::auth, check_auth_mode));
  t.push_back(text_setting("auth-hs256-secret-file", "PATH",
                           "File holding the shared HS256 secret (--auth jwt)", "a file path",
                           &config::auth_hs256_secret_file));
  t.push_back(text_setting("auth-public-key-file", "PATH",
                           "PEM public key: RSA for RS256 or P-256 for ES256 (--auth jwt)",
                           "a file path", &config::auth_public_key_file));
  t.push_back(text_setting("auth-audience", "TEXT", "Required `aud` of tokens; empty = not checked",
                           "an audience", &config::auth_audience));
  t.push_back(text_setting("auth-cookie", "NAME",
                           "Cookie a subscriber may carry its token in; empty = none",
                           "a cookie name", &config::auth_cookie));
  t.push_back(duration_setting("auth-leeway", "Clock skew allowed on exp and nbf",
                               &config::auth_leeway, 0));
  t.push_back(count_setting<std::size_t>("max-connections-per-ip",
                                         "Concurrent connections from one client IP; 0 = no limit",
                                         &config::max_connections_per_ip, 0, 10'000'000));
  t.push_back(count_setting<std::size_t>("append-rate",
                                         "Appends per second per client IP; 0 = no limit",
                                         &config::append_rate, 0, 1'000'000));
  t.push_back(count_setting<std::size_t>("append-burst", "Appends one client IP may burst",
                                         &config::append_burst, 1, 1'000'000));
  t.push_back(bytes_setting("max-header-bytes", "Largest request line plus headers",
                            &config::max_header_bytes, 1024));
  t.push_back(count_setting<std::size_t>("max-header-count", "Most header fields in a request",
                                         &config::max_header_count, 1, 10'000));
  t.push_back(duration_setting("header-timeout",
                               "Time to receive a request's headers (slow-loris bound)",
                               &config::header_timeout, 1));
  t.push_back(count_setting<std::size_t>("max-streams", "Streams on this node; 0 = no limit",
                                         &config::max_streams, 0, 100'000'000));
  t.push_back(count_setting<std::size_t>("max-subscribers-per-stream",
                                         "SSE subscribers of one stream on this node; 0 = no limit",
                                         &config::max_subscribers_per_stream, 0, 10'000'000));
  t.push_back(bytes_setting("max-queue-bytes",
                            "Bytes queued for one SSE client before it is dropped as slow",
                            &config::max_queue_bytes, 1));
  {
    setting s = make_setting("http2", "on|off",
                             "HTTP/2: prior knowledge on the plain port, `h2` offered by TLS ALPN "
                             "(never Upgrade: h2c)",
                             "on or off (also 1/true/yes or 0/false/no)");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto b = parse_bool(v);
      if (!b) {
        return b.error();
      }
      cfg.http2 = *b;
      return {};
    };
    s.show = [](const config& cfg) { return cfg.http2 ? "on" : "off"; };
    t.push_back(std::move(s));
  }
  t.push_back(count_setting<std::size_t>("http2-max-streams",
                                         "Concurrent streams per HTTP/2 connection "
                                         "(SETTINGS_MAX_CONCURRENT_STREAMS)",
                                         &config::http2_max_streams, 1, 100'000));
  t.push_back(bytes_setting("http2-max-connection-queue-bytes",
                            "Bytes one HTTP/2 connection may hold for its streams that their "
                            "windows keep back; past it the largest are dropped as slow clients "
                            "(0 = 4 x --max-queue-bytes)",
                            &config::http2_max_connection_queue_bytes, 0));
  {
    setting s = make_setting(
        "sse-compression", "CODINGS",
        "Compress SSE responses with one of these codings the client accepts "
        "(Accept-Encoding; ties go to this order), flushed after every write; `off` = never",
        "`off`, or a comma-separated list of `zstd` and `gzip` in order of "
        "preference, such as zstd,gzip");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto codings = parse_sse_compression(v);
      if (!codings) {
        return codings.error();
      }
      cfg.sse_compression = std::move(*codings);
      return {};
    };
    s.show = [](const config& cfg) { return format_sse_compression(cfg.sse_compression); };
    t.push_back(std::move(s));
  }
  t.push_back(bytes_setting("sse-compression-max-memory",
                            "Memory all SSE compressors of this node may hold; past it new "
                            "connections are served uncompressed",
                            &config::sse_compression_max_memory, 0));
  t.push_back(
      duration_setting("request-timeout", "Time to read one request", &config::request_timeout, 1));
  t.push_back(duration_setting("idle-timeout", "Keep-alive idle time before closing",
                               &config::idle_timeout, 1));
  t.push_back(duration_setting("shutdown-grace", "How long SIGTERM waits for connections to close",
                               &config::shutdown_grace, 0));
  t.push_back(count_setting<unsigned>("threads", "Worker threads; 0 = number of cores",
                                      &config::threads, 0, 1024));
  t.push_back(text_setting("telemetry", "SINK", "Telemetry events as JSON lines",
                           "`stdout`, `file:PATH` or `none`", &config::telemetry,
                           validate_telemetry));
  t.push_back(switch_setting("access-log",
                             "One JSON line (SseAccess) per request to the telemetry output; "
                             "tokens in the query are redacted",
                             &config::access_log));
  t.push_back(text_setting("log-level", "LEVEL", "Log level (logs go to stderr)",
                           "one of trace, debug, info, warn, error, off", &config::log_level,
                           validate_log_level));
  t.push_back(text_setting("node-id", "TEXT", "This node's name in telemetry; empty = hostname-pid",
                           "up to 128 printable characters without spaces", &config::node_id,
                           check_node_id));
  {
    setting s =
        make_setting("cors-origin", "ORIGINS",
                     "Page origins allowed to call from a browser (CORS); empty = no CORS headers",
                     "`*`, or a comma-separated list of origins such as "
                     "https://app.example,http://localhost:3000 (scheme://host[:port], no path "
                     "or trailing /) or `null`");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto origins = parse_cors_origins(v);
      if (!origins) {
        return origins.error();
      }
      cfg.cors_origin = std::move(*origins);
      return {};
    };
    s.show = [](const config& cfg) { return format_cors_origins(cfg.cors_origin); };
    t.push_back(std::move(s));
  }
  t.push_back(text_setting("port-file", "PATH", "Write the bound port to this file once listening",
                           "a file path", &config::port_file));
  t.push_back(switch_setting("demo", "Built-in producer and a demo page at /", &config::demo));
  t.push_back(text_setting("redis-prefix", "TEXT", "Prefix of every Redis key", "a key prefix",
                           &config::redis_prefix));
  t.push_back(bytes_setting("compress-min-bytes",
                            "Event data above this size is zstd-compressed in Redis",
                            &config::compress_min_bytes, 0));
  t.push_back(count_setting<std::size_t>(
      "redis-wait-replicas",
      "Acknowledge an append only once this many Redis replicas hold it (WAIT); else 503",
      &config::redis_wait_replicas, 0, 16));
  t.push_back(duration_setting("redis-probe-interval",
                               "Pub/sub liveness probe period per subscription connection; "
                               "0 = off",
                               &config::redis_probe_interval, 0));
  t.push_back(duration_setting("redis-probe-timeout",
                               "A probe not back within this marks the node not ready and "
                               "reconnects its subscription",
                               &config::redis_probe_timeout, 1));
  t.push_back(duration_setting("redis-ready-timeout",
                               "A Redis request outstanding this long marks the node not ready "
                               "until Redis answers again; 0 = off",
                               &config::redis_ready_timeout, 0));
  t.push_back(text_setting("relay-config", "PATH",
                           "Relay mode: JSON file of upstream routes for POST /v1/relay/{route}; "
                           "empty = off",
                           "a file path", &config::relay_config));
  t.push_back(duration_setting("relay-lease-ttl",
                               "Relay on Redis: lease of a running call's stream; a node that "
                               "dies has its streams ended (upstream_lost) this long after",
                               &config::relay_lease_ttl, 1));
  t.push_back(duration_setting("relay-lease-sweep",
                               "Relay on Redis: how often each node looks for expired leases",
                               &config::relay_lease_sweep, 1));
  t.push_back(text_setting("tls-cert", "PATH",
                           "Serve HTTPS: PEM certificate chain, leaf first (with --tls-key); "
                           "empty = plain HTTP",
                           "a file path", &config::tls_cert));
  t.push_back(text_setting("tls-key", "PATH", "PEM private key of --tls-cert", "a file path",
                           &config::tls_key));
  {
    setting s =
        make_setting("fault-resume", "FAULT",
                     "TEST ONLY: refuse (503) or delay the subscribes that carry a resume point "
                     "during a window of the run time",
                     "`refuse,after=D,for=D` or `delay=D,after=D,for=D` with durations such as "
                     "8s (for > 0), or `none`");
    s.apply = [](std::string_view v, config& cfg) -> result<void> {
      auto f = parse_fault_resume(v);
      if (!f) {
        return f.error();
      }
      cfg.fault_resume = *f;
      return {};
    };
    s.show = [](const config& cfg) { return format_fault_resume(cfg.fault_resume); };
    t.push_back(std::move(s));
  }
  return t;
}

}  // namespace

const std::vector<setting>& settings() {
  static const std::vector<setting> table = build();
  return table;
}

std::string env_name(std::string_view flag) {
  std::string out = "SSE_GATEWAY_";
  for (char c : flag) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace sse::config
