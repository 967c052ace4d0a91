#pragma once
// The field readers of a route file (relay/route.cpp): each reads one JSON value as strictly as
// the rest of the file and, on a bad value, says which field and what it must be (never the
// value: it may hold a secret from the environment).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "relay/route.hpp"

namespace sse::relay::detail {

/// [A-Za-z0-9._-]: route names and the host part of an upstream URL.
bool is_name_char(char c) noexcept;
/// Header names are HTTP tokens; values must not break the request (no CR, LF or NUL).
bool is_token(std::string_view s) noexcept;
/// Expands ${NAME}. Errors name the variable, never a value.
bool expand(std::string_view in, const env_lookup& env, std::string& out, std::string& error);
/// o[key] as a duration > 0 ("30s"); absent leaves out unchanged.
bool read_duration(const boost::json::object& o, std::string_view key,
                   std::chrono::milliseconds& out, std::string& error);
/// *v as an integer in [min, max]; null v leaves out unchanged.
bool read_count(const boost::json::value* v, std::string_view key, std::uint64_t min,
                std::uint64_t max, std::uint64_t& out, std::string& error);
/// A priority 0..max_priority, or "drop".
bool read_priority(const boost::json::value& v, int& out);
/// The route's "checkpoint" object, as strict as the rest of the file.
bool parse_checkpoint(const boost::json::value& v, checkpoint_options& out, std::string& error);

}  // namespace sse::relay::detail
