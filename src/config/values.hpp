#pragma once
// Parsers for the settings whose values have a shape of their own (addresses, store URLs, sink
// specs). Pure functions; parse_config names the flag or variable when one fails.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace sse::config {

struct host_port {
  std::string host;  ///< without brackets: "::1", "127.0.0.1", "localhost"
  std::uint16_t port = 0;
};

/// "HOST:PORT", or "[V6ADDR]:PORT" for IPv6. Port 0-65535 (0 = any free port). An unbracketed
/// host with a colon is refused as ambiguous. Errors: errc::invalid_argument.
result<host_port> parse_listen(std::string_view text);

/// The inverse of parse_listen: brackets around hosts that contain a colon.
std::string format_listen(const host_port& hp);

/// `memory`, or `redis://[[user]:password@]host[:port][/db]` (host may be a bracketed IPv6
/// address; db is a decimal number). Only the shape is checked here; the Redis store parses the
/// details. Errors: errc::invalid_argument.
result<void> validate_store(std::string_view text);

/// `stdout`, `none`, or `file:PATH` with a non-empty PATH. Errors: errc::invalid_argument.
result<void> validate_telemetry(std::string_view text);

/// One of trace, debug, info, warn, error, off. Errors: errc::invalid_argument.
result<void> validate_log_level(std::string_view text);

/// --sse-compression: a comma-separated list of content codings in the server's order of
/// preference, each `gzip` or `zstd` (any case, once each); empty or `off` = none. Returns the
/// codings lower-cased. Errors: errc::invalid_argument.
result<std::vector<std::string>> parse_sse_compression(std::string_view text);
/// The inverse: "zstd,gzip", or "off".
std::string format_sse_compression(const std::vector<std::string>& codings);

/// A boolean as written in an environment variable: 1/true/yes/on or 0/false/no/off, in any
/// case. Errors: errc::invalid_argument.
result<bool> parse_bool(std::string_view text);

}  // namespace sse::config
