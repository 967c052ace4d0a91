#pragma once
// The table of settings: one row per field of config, shared by the flag parser and --help.
// Adding a field to config means adding a row here; tests walk the table to check every row.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/error.hpp"

namespace sse::config {

struct setting {
  std::string name;        ///< flag without dashes: "buffer-limit"
  std::string env;         ///< "SSE_GATEWAY_BUFFER_LIMIT"
  std::string type_name;   ///< shown in --help: "DURATION", "BYTES", ...
  std::string help;        ///< one line, without the default or the variable
  std::string expect;      ///< what a valid value looks like, for error messages
  bool is_switch = false;  ///< a flag without a value (--demo); its variable takes 1/true/yes...
  /// Parses `value` and stores it in the config. Errors: errc::invalid_argument.
  std::function<result<void>(std::string_view value, config& cfg)> apply;
  /// The current value in the same syntax `apply` takes; empty when there is none to show.
  std::function<std::string(const config& cfg)> show;
};

/// Every setting, in --help order. Built once; safe to call from any thread after that.
const std::vector<setting>& settings();

/// "buffer-limit" -> "SSE_GATEWAY_BUFFER_LIMIT".
std::string env_name(std::string_view flag);

}  // namespace sse::config
