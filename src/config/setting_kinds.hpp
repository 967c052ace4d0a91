#pragma once
// The kinds of row in the settings table (settings.cpp): how a duration, a byte size, a count,
// a switch or a text is parsed, checked against its bounds, shown back and described in an
// error. Each builder returns a complete row; the table only names the field and the bounds.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/number.hpp"
#include "config/settings.hpp"

namespace sse::config {

template <class T>
using field = T config::*;

/// A row with its name, variable, --help type and line, and the expectation an error names;
/// `apply` and `show` are the caller's to fill.
setting make_setting(std::string name, std::string type_name, std::string help, std::string expect);

/// `min_ms` is 0 or 1: whether zero is allowed.
setting duration_setting(std::string name, std::string help, field<std::chrono::milliseconds> f,
                         long long min_ms);

setting bytes_setting(std::string name, std::string help, field<std::size_t> f,
                      std::size_t min_bytes);

/// A flag without a value (`--demo`); its variable takes 1/true/yes/on or 0/false/no/off.
setting switch_setting(std::string name, std::string help, field<bool> f);

/// A free-form string, optionally checked by `check`.
setting text_setting(std::string name, std::string type_name, std::string help, std::string expect,
                     field<std::string> f, result<void> (*check)(std::string_view) = nullptr);

/// An integer from min to max, stored as T.
template <class T>
setting count_setting(std::string name, std::string help, field<T> f, std::uint64_t min,
                      std::uint64_t max) {
  std::string expect = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  setting s = make_setting(std::move(name), "N", std::move(help), std::move(expect));
  s.apply = [f, min, max](std::string_view v, config& cfg) -> result<void> {
    auto n = parse_uint(v);
    if (!n || *n < min || *n > max) {
      return errc::invalid_argument;
    }
    cfg.*f = static_cast<T>(*n);
    return {};
  };
  s.show = [f](const config& cfg) { return std::to_string(cfg.*f); };
  return s;
}

}  // namespace sse::config
