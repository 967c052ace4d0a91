#pragma once
// Reading the gateway's JSON-lines telemetry (and any other JSON) in tests.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sse::test {

/// Parses every complete line (ending in '\n') of `text` as a JSON object; a trailing line
/// without '\n' is still being written and is skipped. Throws std::runtime_error naming the
/// line when a complete line is not a JSON object.
std::vector<boost::json::object> parse_json_lines(std::string_view text);

/// obj[key] as a string; nullopt when absent or not a string.
std::optional<std::string> json_string(const boost::json::object& obj, std::string_view key);
/// obj[key] as an integer (int64, uint64 or an integral double); nullopt otherwise.
std::optional<std::int64_t> json_int(const boost::json::object& obj, std::string_view key);

/// The objects, one per line, for assertion messages (bounded to the last `max_lines`).
std::string describe_json_lines(const std::vector<boost::json::object>& lines,
                                std::size_t max_lines = 60);

}  // namespace sse::test
