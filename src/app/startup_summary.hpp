#pragma once
// What the start-up log line says about the configuration: the store address (password
// redacted), the access-control mode and its token sources, the CORS origins and the relay
// routes. Pure: strings from the config.

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace sse::app {

/// The store as it may be logged: `memory`, or the Redis URL with its password replaced by
/// `***` (`redis://user:***@host:6379/2`, `redis-cluster://***@h1:7000,h2:7001`).
std::string redact_store_url(std::string_view store);

/// "jwt (HS256 secret; tokens from Authorization: Bearer, ?token= and cookie sid for
/// subscribers; audience gw)", "OFF (--auth none)" or "off (--demo on loopback)".
std::string describe_access(const config::config& cfg);

/// "off", "*" or the origins joined with ",".
std::string describe_cors(const config::config& cfg);

/// "off" or the route names joined with ",".
std::string describe_relay(const std::vector<std::string>& route_names);

}  // namespace sse::app
