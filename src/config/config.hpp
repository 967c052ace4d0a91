#pragma once
// Every setting of the process, with its default. Filled from flags and SSE_GATEWAY_* variables
// by parse_config (config/parse.hpp); nothing else reads the command line or the environment.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/cors_origins.hpp"
#include "config/fault_resume.hpp"

namespace sse::config {

struct config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;  ///< 0: pick a free port (see port_file)
  std::string store = "memory";      ///< "memory" or "redis://[:password@]host:port[/db]"
  std::size_t buffer_limit = 256;    ///< events per stream
  std::size_t buffer_max_bytes = 1024 * 1024;
  std::chrono::milliseconds ttl{std::chrono::hours(1)};
  std::chrono::milliseconds end_retention{std::chrono::minutes(5)};
  std::chrono::milliseconds heartbeat{std::chrono::seconds(15)};
  std::chrono::milliseconds retry{1000};         ///< the SSE `retry:` sent to clients
  std::size_t max_event_bytes = 256 * 1024;      ///< one event's data
  std::size_t max_body_bytes = 4 * 1024 * 1024;  ///< one request body (an NDJSON batch)
  /// Events in one append: bounds the work of one Redis script, which blocks Redis while it runs.
  std::size_t max_batch_events = 1000;
  /// Caps on what a client may ask for per stream (PUT body, relay route stream options).
  std::size_t max_buffer_limit = 65536;
  std::chrono::milliseconds max_ttl{std::chrono::hours(24 * 7)};
  std::size_t max_connections = 20000;
  // Access control (src/auth). auth: "jwt", "none", or empty = not chosen (main refuses to start
  // then, except --demo on a loopback address).
  std::string auth;
  std::string auth_hs256_secret_file;
  std::string auth_public_key_file;  ///< PEM: RSA (RS256) or P-256 (ES256)
  std::string auth_audience;         ///< empty: `aud` not checked
  std::string auth_cookie;           ///< cookie a subscriber may carry its token in
  std::chrono::milliseconds auth_leeway{std::chrono::seconds(30)};  ///< clock skew allowed
  // Limits; 0 means unlimited where a limit may be off.
  std::size_t max_connections_per_ip = 0;
  std::size_t append_rate = 0;  ///< appends per second per client IP (token bucket)
  std::size_t append_burst = 20;
  std::size_t max_header_bytes = 16 * 1024;  ///< request line plus headers
  std::size_t max_header_count = 100;
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  ///< slow-loris bound
  std::size_t max_streams = 0;
  std::size_t max_subscribers_per_stream = 0;
  std::size_t max_queue_bytes = 4 * 1024 * 1024;  ///< per SSE client before it is dropped as slow
  /// --http2: HTTP/2 with prior knowledge on the plain port and `h2` in TLS's ALPN.
  bool http2 = true;
  /// --http2-max-streams: SETTINGS_MAX_CONCURRENT_STREAMS of each HTTP/2 connection.
  std::size_t http2_max_streams = 128;
  /// --http2-max-connection-queue-bytes: bytes one HTTP/2 connection may hold for all its
  /// streams' writes that their windows keep back; past it the stalled streams holding the most
  /// are reset as slow clients. 0: four times --max-queue-bytes.
  std::size_t http2_max_connection_queue_bytes = 0;
  /// --sse-compression: content codings an SSE response may be compressed with, in
  /// the server's order of preference ("zstd", "gzip"); empty: never compressed.
  std::vector<std::string> sse_compression;
  /// --sse-compression-max-memory: the node's budget for SSE compressors; a connection that
  /// would exceed it is served uncompressed.
  std::size_t sse_compression_max_memory = 64 * 1024 * 1024;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  ///< read of one request
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};     ///< keep-alive idle
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  unsigned threads = 0;              ///< 0: number of cores
  std::string telemetry = "stdout";  ///< "stdout", "file:PATH", "none"
  std::string log_level = "info";
  /// --access-log: one JSON line per request (SseAccess) to the telemetry output. Off by default.
  bool access_log = false;
  std::string node_id;       ///< empty: hostname-pid
  cors_origins cors_origin;  ///< --cors-origin; empty: no CORS headers
  std::string port_file;     ///< write the bound port here once listening
  bool demo = false;
  std::string redis_prefix = "sse:";
  std::size_t compress_min_bytes = 128;
  /// --redis-wait-replicas: WAIT for this many replicas after each append; 503 when they do not
  /// acknowledge within a second, so an acknowledged event survives a failover to a replica. 0:
  /// acknowledge on the primary alone.
  std::size_t redis_wait_replicas = 0;
  /// --redis-probe-interval / --redis-probe-timeout: the pub/sub liveness probe: a token published
  /// to each subscription connection every interval must come back within the timeout, else the
  /// node is not ready until that connection is reconnected. 0: off.
  std::chrono::milliseconds redis_probe_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds redis_probe_timeout{std::chrono::seconds(2)};
  /// --redis-ready-timeout: a Redis request (command, PING, probe) outstanding this long makes
  /// the node not ready (/readyz 503, SseStoreUnavailable) until a reply arrives. 0: off.
  std::chrono::milliseconds redis_ready_timeout{std::chrono::seconds(1)};
  std::string relay_config;  ///< relay routes, a JSON file; empty: relay mode off
  /// --relay-lease-ttl / --relay-lease-sweep (Redis store): a relay's node holds a lease on its
  /// stream, refreshed every ttl/3; every relay node looks for expired leases every sweep and
  /// ends those streams failed (upstream_lost).
  std::chrono::milliseconds relay_lease_ttl{std::chrono::seconds(10)};
  std::chrono::milliseconds relay_lease_sweep{std::chrono::seconds(2)};
  /// HTTPS: PEM certificate chain (leaf first) and its PEM private key. Both or neither; empty:
  /// plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  /// --durable-long-poll-timeout: how long a Durable Streams live=long-poll read waits for data
  /// before its 204 (src/durable).
  std::chrono::milliseconds durable_long_poll_timeout{std::chrono::seconds(20)};
  resume_fault fault_resume;  ///< test-only (perf gate tests): refuse or delay resumes for a while
};

}  // namespace sse::config
