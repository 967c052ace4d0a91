#pragma once
// Relay routes: the upstreams the gateway may call on a client's behalf. Routes are configured,
// never open: a JSON file given by --relay-config names each one.
//
// {"routes": [{
//    "name": "chat", "url": "https://api.example.com/v1/chat/completions", "method": "POST",
//    "headers": {"Authorization": "Bearer ${OPENAI_API_KEY}"},
//    "connect_timeout": "10s", "idle_timeout": "60s", "total_timeout": "10m",
//    "max_concurrent": 64,
//    "stream": {"buffer_limit": 4096, "ttl_seconds": 3600},
//    "priorities": {"message": 1, "usage": 3, "ping": "drop"}, "default_priority": 1,
//    "checkpoint": {"text_pointer": "/choices/0/delta/content", "every_events": 200,
//                   "every_bytes": 16384, "event": "snapshot"} }]}
//
// Header values are expanded from the environment once, at load; they are secrets (an API key)
// and are never written to answers, logs or telemetry.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/checkpointer.hpp"

namespace sse::relay {

/// An upstream address: http or https, host, port and request-target.
struct upstream_url {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6
  std::uint16_t port = 0;
  std::string target = "/";  ///< path and query
};

/// Parses "http://host[:port][/path][?query]" or "https://...". nullopt when malformed.
std::optional<upstream_url> parse_upstream_url(std::string_view text);

struct route {
  std::string name;
  upstream_url url;
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;  ///< expanded; secret values
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};  ///< between upstream bytes
  std::chrono::milliseconds total_timeout{std::chrono::minutes(10)};
  std::size_t max_concurrent = 64;
  std::optional<std::size_t> buffer_limit;
  std::optional<std::chrono::milliseconds> ttl;
  std::map<std::string, int, std::less<>> priorities;  ///< by upstream event type ("" = message)
  int default_priority = 1;
  /// Auto-checkpoints: the gateway appends checkpoints of the text so far.
  std::optional<checkpoint_options> checkpoint;

  /// The priority of an upstream event type, or nullopt when events of that type are dropped.
  std::optional<int> priority_of(std::string_view event_type) const;
};

/// Route names are path segments: 1-64 of [A-Za-z0-9._-].
bool is_valid_route_name(std::string_view name) noexcept;

struct routes_result {
  std::vector<route> routes;
  std::string error;  ///< non-empty: the file is refused; says where and why (no secret values)
};

/// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Parses the JSON text of a route file. `${NAME}` in header values is replaced by the
/// variable's value; an unset variable is an error (a missing key must not go upstream empty).
routes_result parse_routes(std::string_view json_text, const env_lookup& env);

/// Reads and parses a route file, expanding from the process environment.
routes_result load_routes(const std::string& path);

/// Checks every route's stream options against the server's caps on what a stream may ask for
/// (--max-buffer-limit, --max-ttl), which apply to relayed streams as to PUT. Empty when all
/// are within them; else an error naming the route, the option and the cap.
std::string check_stream_caps(const std::vector<route>& routes, std::size_t max_buffer_limit,
                              std::chrono::milliseconds max_ttl);

/// The priority value meaning "drop events of this type".
inline constexpr int drop_priority = -1;

}  // namespace sse::relay
